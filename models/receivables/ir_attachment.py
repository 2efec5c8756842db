from odoo import models
from odoo.exceptions import UserError


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _check_litigation_file_frozen(self):
        """The PDF and manifest of an issued litigation file are its evidence: never changed nor
        deleted, whoever asks."""
        stored = self.sudo().filtered(lambda attachment: attachment.res_model == "credit.litigation.file")
        if not stored:
            return
        frozen = (
            self.env["credit.litigation.file"]
            .sudo()
            .search_count(
                [
                    ("state", "=", "issued"),
                    "|",
                    ("pdf_attachment_id", "in", stored.ids),
                    ("manifest_attachment_id", "in", stored.ids),
                ],
                limit=1,
            )
        )
        if frozen:
            raise UserError(
                self.env._("The file and manifest of an issued litigation file cannot be changed.")
            )

    def write(self, vals):
        self._check_litigation_file_frozen()
        return super().write(vals)

    def unlink(self):
        self._check_litigation_file_frozen()
        return super().unlink()
