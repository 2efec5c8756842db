from odoo import api, models

from ..models.credit.credit_limit_request import TEMPORARY_FIELDS

# Kept per company, moved together: the limit is the manual one or the computed one.
CREDIT_COMPANY_FIELDS = (
    "credit_limit_period",
    "credit_limit_manual",
    "credit_limit_manual_base",
    "credit_limit_manual_reason",
    "credit_limit_computed",
    "credit_limit_date",
)
CREDIT_SCORE_FIELDS = ("credit_score", "credit_score_date", "credit_evaluation_id")
CREDIT_HOLD_FIELDS = ("credit_hold", "credit_hold_reason", "credit_hold_note")


class MergePartnerAutomatic(models.TransientModel):
    """Odoo's contact merge, for users who are not Credit Managers (see the README, "Merging
    contacts"). Odoo copies the merged contacts' values onto the destination in two steps (company
    values in SQL while updating references, then every stored field in _update_values), the
    module's protected fields too, which only their owners may write directly. So, before Odoo
    changes anything, every merged contact is given the merged credit values, the stricter of
    theirs: whatever Odoo copies is then that value, and its copy may run privileged; the
    destination takes the highest confidentiality level last. A merge thus only combines values
    the contacts already have, never the caller's."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].sudo().browse(partner_ids).exists()
        level_vals = self._confidentiality_merge_values(partners)
        result = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        # Last, as the level may take the caller's access to the destination away.
        merged = partners.exists()
        if len(merged) == 1 and len(partners) > 1:
            _write_changes(merged, [level_vals])
        return result

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        # The first step of the merge that changes data: the contacts are still intact. What
        # Odoo's merge asks of the caller (change the destination, delete the others) is checked
        # here, before the privileged steps.
        dst_partner.with_env(self.env).check_access("write")
        src_partners.with_env(self.env).check_access("unlink")
        self._check_credit_standing_kept(src_partners, dst_partner)
        self._align_merged_values(dst_partner | src_partners)
        return super()._update_foreign_keys(src_partners, dst_partner)

    @api.model
    def _check_credit_standing_kept(self, src_partners, dst_partner):
        """Merged into a contact of another commercial entity, a customer with credit settings of
        its own would be judged by the other's: its documents move to the contact, its hold and
        line are copied where nothing reads them (merged into a commercial entity, the stricter
        ones are kept). The destination becomes a contact too when it has no parent and a merged
        contact has one: Odoo copies it."""
        dst = dst_partner.sudo()
        parents = src_partners.sudo().parent_id - dst
        if dst.commercial_partner_id == dst and (dst.parent_id or not parents):
            return
        absorbed = (src_partners | dst_partner).with_env(self.env)._credit_standing_guarded()
        if absorbed:
            absorbed._credit_refuse_losing_standing()

    @api.model
    def _update_values(self, src_partners, dst_partner):
        # Only _merge calls this, after _update_foreign_keys.
        dst = dst_partner.sudo()
        result = super()._update_values(src_partners.sudo(), dst)
        # Odoo's own limit follows the merged credit line (see _credit_store_limits).
        for company in self.env["res.company"].sudo().search([]):
            dst._credit_sync_native_limit(company)
        return result

    @api.model
    def _align_merged_values(self, partners):
        """Give every partner of ``partners`` (the destination first) the merged values; only the
        destination's changes are tracked, the others are deleted by the merge."""
        partners = partners.sudo()
        groups, groups_by_company = self._credit_merge_values(partners)
        for partner in partners:
            if partner != partners[0]:
                partner = partner.with_context(tracking_disable=True)
            _write_changes(partner, groups)
            for company, company_groups in groups_by_company.items():
                _write_changes(partner.with_company(company), company_groups)

    @api.model
    def _credit_merge_values(self, partners):
        """The stricter credit values of ``partners`` (the destination first; it wins the ties):
        - a hold on any of them stays (the destination's reason first);
        - the lowest score among the scored ones, with its date and evaluation;
        - when any has a term override, the shortest credit term of them all as the override;
        - per company, the limit (manual or computed, with its basis) of the one with the lowest
          policy limit, among those that have a limit;
        - per company, the destination's own temporary line (none when it has none).
        Returns ([values], {company: [company-dependent values]}), in groups written whole."""

        def pick(candidates, key, default):
            return min(candidates, key=key) if candidates else default

        holder = partners.filtered("credit_hold")[:1] or partners[0]
        scorer = pick(partners.filtered("credit_score_date"), lambda p: p.credit_score, partners[0])
        terms = [days for days in partners.mapped("credit_term_days") if days > 0]
        overridden = any(partners.mapped("credit_term_days_override"))
        groups = [
            {name: _value(holder[name]) for name in CREDIT_HOLD_FIELDS},
            {name: _value(scorer[name]) for name in CREDIT_SCORE_FIELDS},
            {"credit_term_days_override": min(terms) if overridden and terms else 0},
        ]

        vals_by_company = {}
        for company in self.env["res.company"].sudo().search([]):
            in_company = partners.with_company(company)
            limited = in_company.filtered(lambda p: p.credit_limit_manual or p.credit_limit_date)
            source = pick(
                limited,
                lambda p: p.credit_limit_manual_base if p.credit_limit_manual else p.credit_limit_computed,
                in_company[0],
            )
            # The temporary line is the one approved on the destination's own request, which
            # stays with it: a merged contact's would give it a line nobody approved for it (and
            # would otherwise be copied where it has none), and clearing its own would leave its
            # approved request without effect.
            vals_by_company[company] = [
                {name: _value(source[name]) for name in CREDIT_COMPANY_FIELDS},
                {name: _value(in_company[0][name]) for name in TEMPORARY_FIELDS},
            ]
        return groups, vals_by_company

    @api.model
    def _confidentiality_merge_values(self, partners):
        """The highest approved level: merging must not make a confidential customer's records
        readable to more people. A pending proposal follows Odoo's merge (the destination's)."""
        level = max(partners.confidentiality_level_id, key=lambda lvl: lvl.rank, default=None)
        return {"confidentiality_level_id": level.id} if level else {}


def _write_changes(partner, groups):
    # Only the groups that differ (a score with its date...): no tracking noise, and no write at
    # all when the contacts agree.
    changed = {}
    for vals in groups:
        if any(_value(partner[name]) != value for name, value in vals.items()):
            changed.update(vals)
    if changed:
        partner.write(changed)


def _value(value):
    return value.id if isinstance(value, models.BaseModel) else value
