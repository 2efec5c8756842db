from xmlrpc.client import Fault

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, tagged

from .common import MODULE, QuietCase, jsonrpc_execute, new_user, xmlrpc_execute

# Stored fields of res.partner that this module adds or extends and that declare no write owner,
# each with the reason it needs none. Odoo's own fields that feed the credit term (payment term,
# industry) are standard contact data and are not listed here: see the README's security section.
EXEMPT = {
    "credit_statement_schedule": "how often a statement of account is e-mailed to the customer; it moves "
    "no credit line, grade, hold or category",
}
# Every new internal user gets "Contact Creation" from Odoo's default user template: without it a
# salesperson cannot write a customer at all, so the checks below would not be reached.
# odoo.addons.base.controllers.rpc: an AccessError reaches the caller with this fault code.
RPC_ACCESS_ERROR = 4
SALES = "base.group_user,base.group_partner_manager,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install")
class TestFieldProtectionStructure(TransactionCase):
    """The protected set comes from the fields: every field the module adds has an owner."""

    def test_every_stored_partner_field_has_an_owner(self):
        Partner = self.env["res.partner"]
        added = {name for name, field in Partner._fields.items() if field.store and MODULE in field._modules}
        self.assertIn("credit_limit", added, "Odoo's own credit limit is extended by the module")
        owners = Partner._protected_field_owners()
        unowned = sorted(name for name in added if name not in owners and name not in EXEMPT)
        self.assertFalse(unowned, "stored fields of res.partner with neither a write owner nor an exemption")
        self.assertFalse(set(EXEMPT) - added, "exemptions of fields that no longer exist")
        self.assertTrue(set(owners.values()) <= {"credit", "native_credit", "custodian", "confidentiality"})
        for name in ("credit_limit_computed", "credit_grade_id"):
            self.assertEqual(owners[name], "credit", name)
        for name in ("credit_limit", "use_partner_credit_limit"):
            self.assertEqual(owners[name], "native_credit", name)
        for name in ("customer_category", "customer_category_auto", "customer_category_override"):
            self.assertEqual(owners[name], "custodian", name)
        for name in ("confidentiality_rank", "confidentiality_effective_level_id"):
            self.assertEqual(owners[name], "confidentiality", name)

    def test_owner_groups_decide(self):
        Partner = self.env["res.partner"]
        owners = Partner._protected_field_owners()
        vals = dict.fromkeys(owners, 1)
        salesperson = new_user(self.env, "ccm_fp_struct_sales", SALES)
        everyone = new_user(
            self.env,
            "ccm_fp_struct_all",
            f"{SALES},{MODULE}.group_credit_manager,{MODULE}.group_customer_data_custodian",
        )
        computed = {
            name for name in owners if Partner._fields[name].compute and Partner._fields[name].readonly
        }
        self.assertTrue({"credit_grade_id", "customer_category", "confidentiality_rank"} <= computed)
        # A salesperson writes none of the credit and classification fields; the levels are left to
        # their workflow (tested below) unless computed.
        denied = Partner.with_user(salesperson)._protected_fields_denied(vals)
        expected = {name for name, owner in owners.items() if owner != "confidentiality"} | computed
        self.assertEqual(set(denied), expected)
        # The owners write their fields, nobody a computed one.
        self.assertEqual(set(Partner.with_user(everyone)._protected_fields_denied(vals)), computed)
        self.assertFalse(Partner.sudo()._protected_fields_denied(vals))

    def test_evaluation_results_never_written(self):
        """Every computed field of the evaluation and its parts is refused, to a Credit Manager too."""
        manager = new_user(self.env, "ccm_fp_struct_manager", f"{SALES},{MODULE}.group_credit_manager")
        customer = self.env["res.partner"].create({"name": "Enumerated Customer", "is_company": True})
        evaluation = self.env["credit.evaluation"].create(
            {"partner_id": customer.id, "figure_ids": [(0, 0, {"code": "net_sales", "amount": 1.0})]}
        )
        records = {
            "credit.evaluation": evaluation,
            "credit.evaluation.line": evaluation.line_ids[:1],
            "credit.evaluation.qualitative": evaluation.qualitative_ids[:1],
            "credit.evaluation.figure": evaluation.figure_ids[:1],
        }
        for model, record in records.items():
            computed = [
                name
                for name, field in record._fields.items()
                if field.store and field.compute and field.readonly and MODULE in field._modules
            ]
            self.assertTrue(computed or model == "credit.evaluation.figure", model)
            for name in computed:
                with self.subTest(model=model, field=name), self.assertRaises(AccessError):
                    record.with_user(manager).write({name: record[name]})


@tagged("post_install", "-at_install")
class TestFieldProtectionRpc(QuietCase, HttpCase):
    """A salesperson who speaks XML-RPC or JSON-RPC moves no credit line, grade, category or level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.sales = new_user(cls.env, "ccm_fp_sales", SALES)
        cls.other_sales = new_user(cls.env, "ccm_fp_other", SALES)
        cls.accountant = new_user(
            cls.env, "ccm_fp_accountant", "base.group_partner_manager,account.group_account_invoice"
        )
        cls.manager = new_user(cls.env, "ccm_fp_manager", f"{SALES},{MODULE}.group_credit_manager")
        # Contact Creation too: a custodian without it is tested in test_role_tours.py.
        cls.custodian = new_user(
            cls.env,
            "ccm_fp_custodian",
            f"base.group_user,base.group_partner_manager,{MODULE}.group_customer_data_custodian",
        )
        cls.grade_aa = ref(f"{MODULE}.credit_grade_aa")
        cls.level_public = ref(f"{MODULE}.confidentiality_level_public")
        cls.level_secret = ref(f"{MODULE}.confidentiality_level_secret")
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Fluorite Trading", "is_company": True, "user_id": cls.sales.id}
        )
        cls.secret = Partner.create(
            {"name": "Fluorite Secret Works", "is_company": True, "user_id": cls.sales.id}
        )
        cls.secret.write({"confidentiality_level_proposed_id": cls.level_secret.id})
        cls.secret.action_approve_confidentiality_level()

    def _xmlrpc(self, user, model, method, *args, **kwargs):
        return xmlrpc_execute(self, user, model, method, args, kwargs)

    def _refused(self, user, model, method, *args, **kwargs):
        with self.assertRaises(Fault) as caught:
            self._xmlrpc(user, model, method, *args, **kwargs)
        self.assertEqual(caught.exception.faultCode, RPC_ACCESS_ERROR, caught.exception.faultString)

    # ------------------------------------------------------------------ credit fields
    def test_write_credit_and_category_fields(self):
        for vals in (
            {"credit_limit_computed": 1e9},
            {"credit_limit_date": "2026-01-01"},
            {"credit_grade_id": self.grade_aa.id},
            {"customer_category": "key"},
            {"customer_category_auto": "key"},
            {"customer_category_date": "2026-01-01"},
            {"credit_limit_manual_base": 1e9},
        ):
            with self.subTest(vals=vals):
                self._refused(self.sales, "res.partner", "write", [self.customer.id], vals)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.credit_grade_id)
        self.assertEqual(self.customer.customer_category, "general")
        self.assertFalse(self.customer.credit_limit_computed)

    def test_odoo_credit_limit_is_the_credit_managers(self):
        for vals in ({"credit_limit": 1e9}, {"use_partner_credit_limit": True}):
            with self.subTest(vals=vals):
                self._refused(self.accountant, "res.partner", "write", [self.customer.id], vals)
        self._xmlrpc(
            self.manager, "res.partner", "write", [self.customer.id], {"credit_limit_manual_base": 500.0}
        )
        self.assertEqual(self.customer.credit_limit_manual_base, 500.0)

    def test_create_copy_and_import(self):
        self._refused(self.sales, "res.partner", "create", {"name": "Forged", "credit_limit_computed": 1e9})
        self._refused(
            self.sales, "res.partner", "create", {"name": "Forged", "credit_grade_id": self.grade_aa.id}
        )
        self._refused(
            self.sales, "res.partner", "create", {"name": "Forged", "customer_category_auto": "key"}
        )
        # Defaults sent in the context are values the caller sets.
        self._refused(
            self.sales,
            "res.partner",
            "create",
            {"name": "Forged"},
            context={"default_credit_limit_manual": True, "default_credit_limit_manual_base": 1e9},
        )
        self._refused(self.sales, "res.partner", "copy", [self.customer.id], {"credit_limit_computed": 1e9})
        self._refused(
            self.sales, "res.partner", "copy", [self.customer.id], {"customer_category_auto": "key"}
        )
        result = self._xmlrpc(
            self.sales,
            "res.partner",
            "load",
            ["name", "credit_limit_computed"],
            [["Imported Forgery", "1000000000"]],
        )
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Imported Forgery")]))

    def test_copy_leaves_what_the_caller_does_not_own(self):
        self.customer.write(
            {"credit_term_days_override": 90, "credit_limit_manual": True, "credit_limit_manual_base": 1e6}
        )
        self.customer.write({"customer_legal_representative": "Ms Fluorite"})
        copy_id = self._xmlrpc(self.sales, "res.partner", "copy", [self.customer.id])
        copy = self.env["res.partner"].browse(copy_id)
        self.assertFalse(copy.credit_term_days_override)
        self.assertFalse(copy.credit_limit_manual_base)
        self.assertFalse(copy.customer_legal_representative)

    def test_jsonrpc_grade(self):
        response = jsonrpc_execute(
            self,
            self.sales,
            "res.partner",
            "write",
            [[self.customer.id], {"credit_grade_id": self.grade_aa.id}],
        )
        self.assertIn("error", response)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.credit_grade_id)

    def test_evaluation_score_not_forged(self):
        evaluation_id = self._xmlrpc(
            self.sales, "credit.evaluation", "create", {"partner_id": self.customer.id}
        )
        evaluation = self.env["credit.evaluation"].browse(evaluation_id)
        for vals in (
            {"final_score": 99.5, "is_scored": True},
            {"grade_id": self.grade_aa.id},
            {"quantitative_score": 100.0},
        ):
            with self.subTest(vals=vals):
                self._refused(self.sales, "credit.evaluation", "write", [evaluation_id], vals)
        qualitative = evaluation.qualitative_ids[:1]
        self._refused(
            self.sales,
            "credit.evaluation.qualitative",
            "write",
            qualitative.ids,
            {"max_points": 1000, "points": 1000},
        )
        self._refused(
            self.sales,
            "credit.evaluation",
            "write",
            [evaluation_id],
            {"line_ids": [(0, 0, {"indicator": "roe", "weight": 100, "score": 100})]},
        )
        evaluation.invalidate_recordset()
        self.assertFalse(evaluation.is_scored)
        self.assertEqual(evaluation.final_score, 0.0)
        # Unscored, it cannot be submitted, so no approval can give the customer a grade.
        with self.assertRaises(Fault):
            self._xmlrpc(self.sales, "credit.evaluation", "action_submit", [evaluation_id])
        self.assertFalse(self.customer.credit_grade_id)

    # ------------------------------------------------------------------ levels
    def test_computed_level_not_written(self):
        for vals in (
            {"confidentiality_rank": 0},
            {"confidentiality_effective_level_id": self.level_public.id},
        ):
            with self.subTest(vals=vals):
                self._refused(self.sales, "res.partner", "write", [self.secret.id], vals)
        self.secret.invalidate_recordset()
        self.assertEqual(self.secret.confidentiality_rank, self.level_secret.rank)
        self.assertFalse(self.secret.with_user(self.other_sales).customer_access_ok)

    def test_pending_proposal_not_cleared(self):
        self.customer.with_user(self.custodian).write(
            {"confidentiality_level_proposed_id": self.level_secret.id}
        )
        self._refused(
            self.sales,
            "res.partner",
            "write",
            [self.customer.id],
            {"confidentiality_level_proposed_id": False},
        )
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.confidentiality_level_proposed_id, self.level_secret)
        # The custodian withdraws it.
        self._xmlrpc(
            self.custodian,
            "res.partner",
            "write",
            [self.customer.id],
            {"confidentiality_level_proposed_id": False},
        )
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.confidentiality_level_proposed_id)

    def test_salesperson_above_clearance_needs_custodian(self):
        self._refused(self.sales, "res.partner", "write", [self.secret.id], {"user_id": self.other_sales.id})
        self.secret.invalidate_recordset()
        self.assertEqual(self.secret.user_id, self.sales)
        self.assertFalse(self.secret.with_user(self.other_sales).customer_access_ok)
        # A contact takes its company's salesperson, which gives nobody anything new.
        self._xmlrpc(
            self.sales, "res.partner", "create", {"name": "Fluorite Buyer", "parent_id": self.secret.id}
        )
        # A customer within the new salesperson's clearance changes hands freely.
        self._xmlrpc(self.sales, "res.partner", "write", [self.customer.id], {"user_id": self.other_sales.id})
        self.assertEqual(self.customer.user_id, self.other_sales)
        # The custodian decides for the Secret one.
        self._xmlrpc(
            self.custodian, "res.partner", "write", [self.secret.id], {"user_id": self.other_sales.id}
        )
        self.secret.invalidate_recordset()
        self.assertEqual(self.secret.user_id, self.other_sales)
