from odoo import models
from odoo.models import fix_import_export_id_paths

# Path ends that only identify a customer the exported record shows anyway (the many2one's value,
# and what an import-compatible export writes for it).
IDENTIFIERS = frozenset({"id", ".id", "display_name"})


class Base(models.AbstractModel):
    _inherit = "base"

    def export_data(self, fields_to_export):
        """Export control on every model (list export, "export all", RPC ``export_data``).

        The customers whose own fields the export reads pass the customer's export check: the
        partners exported, and the partners an exported path goes through (``partner_id/credit_line``
        of orders or invoices, ``parent_id/...`` of contacts). They and the customers of the
        documents exported are in the access log. Both are ``customer.access.policy``'s.
        """
        policy = self.env["customer.access.policy"]
        reached = self._customer_export_reached(fields_to_export)
        field_count = len(fields_to_export)
        if reached:
            policy._check_export(reached, field_count, record_count=len(self))
        result = super().export_data(fields_to_export)
        logged = reached
        if hasattr(self, "_customer_access_partners"):
            logged |= self._customer_access_partners()
        if logged:
            policy._log_access(logged, "export", export_counts=(len(self), field_count))
        return result

    def _customer_export_reached(self, fields_to_export):
        """The partners whose fields ``fields_to_export`` (export paths) read from these records."""
        Partner = self.env["res.partner"]
        partners = self if self._name == Partner._name else Partner
        for path in fields_to_export:
            names = fix_import_export_id_paths(path)
            model = self
            for depth, name in enumerate(names[:-1]):
                field = model._fields.get(name)
                if not field or not field.relational:
                    break
                if field.comodel_name == Partner._name and names[depth + 1] not in IDENTIFIERS:
                    # As the user: the export reads the same records.
                    partners |= self.mapped(".".join(names[: depth + 1]))
                model = self.env[field.comodel_name]
        return partners
