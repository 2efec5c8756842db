from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .groups import CREDIT_MANAGER_GROUP, CUSTODIAN_GROUP
from .internal_flags import NO_APPROVAL_TODO

# Who may write a field is declared on the field (``write_owner=``), so that the next field of a
# concern is protected where it is written down: "credit" (Credit Manager), "native_credit" (Odoo's
# own credit limit: Credit Manager or accounting administrator), "custodian" (customer
# data custodian), "confidentiality" (the level workflow, ``_check_confidentiality_write``). A computed
# field with an owner is never written by a caller, only computed. Test: test_field_protection.
WRITE_OWNER = "write_owner"
# Who may write the fields of each owner (any of the groups). Odoo's own credit limit is also
# Odoo's accounting administrators' (Odoo's "credit limit" warning is theirs to configure; the
# module's enforcement never reads it, it only keeps it equal to the credit line).
OWNER_GROUPS = {
    "credit": (CREDIT_MANAGER_GROUP,),
    "native_credit": (CREDIT_MANAGER_GROUP, "account.group_account_manager"),
    "custodian": (CUSTODIAN_GROUP,),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Odoo's own limit: kept equal to the credit line (``_credit_sync_native_limit``).
    credit_limit = fields.Float(write_owner="native_credit")
    use_partner_credit_limit = fields.Boolean(write_owner="native_credit")

    @api.model
    def _valid_field_parameter(self, field, name):
        return name == WRITE_OWNER or super()._valid_field_parameter(field, name)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # What the caller sets, its context's defaults included (they are filled in later).
            given = {**self._context_defaults(), **vals}
            self._check_protected_field_write(given, creating=True)
            self._check_confidentiality_write(given, creating=True)
            self._stamp_credit_score_date(vals)
        partners = super().create(vals_list)
        partners._check_salesperson_clearance()
        partners.filtered(lambda p: p.customer_category_override == "key")._confidentiality_default_for_key()
        return partners

    def write(self, vals):
        self._check_protected_field_write(vals)
        self._check_confidentiality_write(vals)
        self._stamp_credit_score_date(vals)
        reassigned = self.filtered(lambda p: p.user_id.id != vals["user_id"]) if vals.get("user_id") else None
        if (
            vals.keys() == {"confidentiality_level_proposed_id"}
            and not self.env.su
            and self.env.user.has_group(CUSTODIAN_GROUP)
        ):
            # Custodians propose levels without the right to edit every contact.
            self.check_access("read")
            result = super(ResPartner, self.sudo()).write(vals)
        elif self._module_fields_only(vals):
            self._check_module_fields_write(vals)
            result = super(ResPartner, self.sudo()).write(vals)
        else:
            result = super().write(vals)
        if reassigned:
            reassigned._check_salesperson_clearance()
        if vals.get("confidentiality_level_proposed_id") and not NO_APPROVAL_TODO:
            self._schedule_confidentiality_approval()
        if vals.get("customer_category_override") == "key":
            self.commercial_partner_id._confidentiality_default_for_key()
        return result

    @api.model
    def _context_defaults(self):
        return {
            key[8:]: value
            for key, value in self.env.context.items()
            if key.startswith("default_") and key[8:] in self._fields
        }

    @api.model
    def _protected_field_owners(self):
        """{field name: owner} of the fields that declare who may write them (``write_owner``)."""
        return {
            name: field.write_owner
            for name, field in self._fields.items()
            if getattr(field, WRITE_OWNER, None)
        }

    @api.model
    def _protected_fields_denied(self, vals, creating=False):
        """{field name: reason} of the protected fields in ``vals`` the current user may not write.

        The one decision on who writes the credit and classification fields: a computed one nobody
        (it follows its inputs), the others their owner group. The level fields are left to their
        workflow (``_check_confidentiality_write``). When creating, a field left at its default
        (empty, or the field's own default) is not a change. A privileged path of the module (e.g.
        a merge that keeps the values) calls this and drops or refuses what it returns.
        """
        if self.env.su:
            return {}
        denied = {}
        owned = {}
        for name in vals:
            field = self._fields.get(name)
            owner = field and getattr(field, WRITE_OWNER, None)
            if not owner:
                continue
            if creating:
                value = vals[name]
                if not value or (field.default and value == field.default(self)):
                    continue
            if field.compute and field.readonly:
                denied[name] = self.env._(
                    "%(field)s is computed: it cannot be written.", field=field._description_string(self.env)
                )
            elif owner in OWNER_GROUPS:
                if owner not in owned:
                    owned[owner] = any(self.env.user.has_group(group) for group in OWNER_GROUPS[owner])
                if not owned[owner]:
                    denied[name] = (
                        self.env._(
                            "Only a Credit Manager can change a customer's credit score, limit, term or hold."
                        )
                        if owner != "custodian"
                        else self.env._(
                            "Only a customer data custodian (customer service) can change a customer's "
                            "classification or customer file."
                        )
                    )
        return denied

    @api.model
    def _check_protected_field_write(self, vals, creating=False):
        denied = self._protected_fields_denied(vals, creating=creating)
        if denied:
            raise AccessError(next(iter(denied.values())))

    def _check_salesperson_clearance(self):
        """SPEC B4: giving a customer above a user's clearance to that user as salesperson (who then
        reads it) is a custodian's decision. Only the commercial entity's salesperson reads it (a
        contact takes its company's salesperson and grants nothing)."""
        if self.env.su or self.env.user.has_group(CUSTODIAN_GROUP):
            return
        policy = self.env["customer.access.policy"]
        held = self.sudo().filtered(lambda p: p.user_id and p == p.commercial_partner_id)
        for user in held.user_id:
            above = policy._above_clearance(held.filtered(lambda p, user=user: p.user_id == user), user)
            if above:
                raise AccessError(
                    self.env._(
                        "%(user)s is not cleared for the confidentiality level of %(partner)s: only a "
                        "customer data custodian can make them its salesperson.",
                        user=user.name,
                        partner=above[0].display_name,
                    )
                )

    def _module_fields_only(self, vals):
        return bool(vals) and not self.env.su and vals.keys() <= self._protected_field_owners().keys()

    def _check_module_fields_write(self, vals):
        """The module's own fields (credit, customer file, proposed level) are written as
        superuser once the module's own checks passed: a credit manager or custodian needs no
        Odoo right on contacts for them. The checks run here again, so that path never goes
        around them."""
        self._check_protected_field_write(vals)
        self._check_confidentiality_write(vals)
        self.check_access("read")

    @api.model
    def _module_editable_fields(self):
        """The partner fields the current user may change by the module's groups alone."""
        custodian = self.env.user.has_group(CUSTODIAN_GROUP)
        return {
            name
            for name, owner in self._protected_field_owners().items()
            if (owner in OWNER_GROUPS and not self._protected_fields_denied({name: True}))
            or (custodian and name == "confidentiality_level_proposed_id")
        }

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        result = super().get_view(view_id, view_type, **options)
        if view_type != "form" or self.env.su or self.has_access("write"):
            return result
        editable = self._module_editable_fields()
        if not editable:
            return result
        # Without Odoo's right to edit contacts the form is read-only; credit managers and
        # custodians may still change the module's fields (written in sudo after _check_module_fields_write):
        # the form opens for editing with every other field of the partner read-only.
        arch = etree.fromstring(result["arch"])
        arch.set("edit", "1")
        for node in arch.xpath("//field[not(ancestor::field)]"):
            if node.get("name") not in editable:
                node.set("readonly", "1")
        result["arch"] = etree.tostring(arch, encoding="unicode")
        return result
