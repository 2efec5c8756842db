from odoo import api, models
from odoo.models import fix_import_export_id_paths

# Path ends that only identify a customer the exported record shows anyway (the many2one's value,
# and what an import-compatible export writes for it).
IDENTIFIERS = frozenset({"id", ".id", "display_name"})
# A computed field of another model that shows a customer's own data declares the many2one of its
# model to the customer (``customer_mirror="partner_id"``): it is exported as that customer's
# field. Related fields through a partner are found from their path (``_customer_mirror_path``).
CUSTOMER_MIRROR = "customer_mirror"


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

    @api.model
    def _valid_field_parameter(self, field, name):
        return name == CUSTOMER_MIRROR or super()._valid_field_parameter(field, name)

    @api.model
    def _customer_mirror_path(self, fname):
        """The path (from this model) of the partner whose own data the field ``fname`` shows, or
        None: its declared ``customer_mirror``, or for a related field the part of its path up to
        the first partner it reads a field of (``partner_id.commercial_partner_id.credit_line``:
        ``partner_id``)."""
        field = self._fields.get(fname)
        if field is None:
            return None
        declared = getattr(field, CUSTOMER_MIRROR, None)
        if declared or not field.related:
            return declared or None
        names = field.related.split(".")
        model = self
        for depth, name in enumerate(names[:-1]):
            step = model._fields.get(name)
            if not step or not step.relational:
                return None
            if step.comodel_name == "res.partner" and names[depth + 1] not in IDENTIFIERS:
                return ".".join(names[: depth + 1])
            model = self.env[step.comodel_name]
        return None

    def _customer_export_reached(self, fields_to_export):
        """The partners whose fields ``fields_to_export`` (export paths) read from these records,
        directly or through a field mirroring them (``_customer_mirror_path``)."""
        Partner = self.env["res.partner"]
        partners = self if self._name == Partner._name else Partner
        for path in fields_to_export:
            names = fix_import_export_id_paths(path)
            model = self
            for depth, name in enumerate(names):
                field = model._fields.get(name)
                if not field:
                    break
                mirror = model._customer_mirror_path(name)
                if mirror:
                    # As the user: the export reads the same records.
                    partners |= self.mapped(".".join([*names[:depth], mirror]))
                if depth == len(names) - 1 or not field.relational:
                    break
                if field.comodel_name == Partner._name and names[depth + 1] not in IDENTIFIERS:
                    # As the user: the export reads the same records.
                    partners |= self.mapped(".".join(names[: depth + 1]))
                model = self.env[field.comodel_name]
        return partners
