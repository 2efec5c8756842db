import functools
import logging
import subprocess

from odoo import api, models
from odoo.tools.pdf import merge_pdf

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..internal_flags import NO_ACCESS_LOG

_logger = logging.getLogger(__name__)


@functools.cache
def wkhtmltopdf_prints_one_document():
    """Whether wkhtmltopdf is built on an unpatched Qt (Debian's package): it then prints a
    single HTML document per run (given two or more it exits with code 1 and writes no file)
    and ignores headers and footers."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, TypeError, subprocess.SubprocessError):  # TypeError: not installed
        return False
    unpatched = "patched qt" not in version.lower()
    if unpatched:
        _logger.info("wkhtmltopdf is built on an unpatched Qt: reports are printed one record at a time.")
    return unpatched


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        self._check_customer_print_access(report_ref, res_ids)
        # The HTML rendered for the PDF is the same print: logged here, once.
        with NO_ACCESS_LOG.on():
            result = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        self._log_customer_print(report_ref, res_ids)
        return result

    @api.model
    def _run_wkhtmltopdf(self, bodies, *args, **kwargs):
        # Printing several records at once (Print All of a collection run) gives wkhtmltopdf one
        # HTML file per record: without a patched Qt, each is printed on its own and merged.
        if len(bodies) > 1 and wkhtmltopdf_prints_one_document():
            run = super()._run_wkhtmltopdf
            return merge_pdf([run([body], *args, **kwargs) for body in bodies])
        return super()._run_wkhtmltopdf(bodies, *args, **kwargs)

    @api.model
    def _render_qweb_html(self, report_ref, docids, data=None):
        self._check_customer_print_access(report_ref, docids)
        result = super()._render_qweb_html(report_ref, docids, data=data)
        if not NO_ACCESS_LOG:
            self._log_customer_print(report_ref, docids)
        return result

    @api.model
    def _render_qweb_text(self, report_ref, docids, data=None):
        # The report route's text converter renders any report: the same print as HTML.
        self._check_customer_print_access(report_ref, docids)
        result = super()._render_qweb_text(report_ref, docids, data=data)
        if not NO_ACCESS_LOG:
            self._log_customer_print(report_ref, docids)
        return result

    @api.model
    def _check_customer_print_access(self, report_ref, res_ids):
        """Refuse plainly, before rendering, to print records the user may not read."""
        if self.env.su or not res_ids:
            return
        report = self._get_report(report_ref)
        if report.model in self.env:
            ids = [res_ids] if isinstance(res_ids, int) else list(res_ids)
            self.env[report.model].browse(ids).check_access("read")

    @api.model
    def _log_customer_print(self, report_ref, res_ids):
        """Log the printing of confidential customers or of their documents (after rendering,
        which has checked that the user may read them)."""
        if not res_ids:
            return
        report = self._get_report(report_ref)
        if report.model not in self.env:
            return
        ids = [res_ids] if isinstance(res_ids, int) else list(res_ids)
        records = self.env[report.model].sudo().browse(ids)
        policy = self.env["customer.access.policy"]
        if report.model == "res.partner":
            policy._log_access(records, "print")
        elif hasattr(records, "_customer_access_partners"):
            for record in records:
                policy._log_access(record._customer_access_partners(), "print", document=record)
