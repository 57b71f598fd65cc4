from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import RelancesCommon


@tagged("post_install", "-at_install")
class TestPartnerOverride(RelancesCommon):
    def test_default_policy_is_global(self):
        self.assertEqual(self.customer.relance_policy, "global")
        self.assertEqual(self.customer._get_relance_program(self.company), self.program)

    def test_custom_program(self):
        custom = self._create_program(name="Slow payers", stages=((1, 2), (2, 5)))
        self.customer.write({"relance_policy": "custom", "relance_program_id": custom.id})
        self.assertEqual(self.customer._get_relance_program(self.company), custom)

    def test_no_automatic_reminder(self):
        self.customer.relance_policy = "none"
        self.assertFalse(self.customer._get_relance_program(self.company))

    def test_read_on_commercial_partner(self):
        custom = self._create_program(name="Key accounts", stages=((1, 2),))
        contact = self.env["res.partner"].create({"name": "Accountant", "parent_id": self.customer.id})
        self.customer.write({"relance_policy": "custom", "relance_program_id": custom.id})
        self.assertEqual(contact._get_relance_program(self.company), custom)
        self.assertEqual(contact.relance_policy, "custom", "synced to the contacts like payment terms")

    def test_custom_without_program(self):
        with self.assertRaisesRegex(ValidationError, "choose the program"):
            self.customer.relance_policy = "custom"

    def test_program_of_another_company(self):
        other = self.setup_other_company()["company"]
        with self.assertRaisesRegex(ValidationError, "belongs to"):
            self.customer.write({"relance_policy": "custom", "relance_program_id": other.relance_program_id.id})
        self.env.invalidate_all()
        self.assertEqual(self.customer.relance_policy, "global", "nothing half-saved")

    def test_policy_per_company(self):
        other = self.setup_other_company()["company"]
        self.customer.relance_policy = "none"
        customer_other = self.customer.with_company(other)
        self.assertEqual(customer_other.relance_policy, "global")
        self.assertEqual(customer_other._get_relance_program(other), other.relance_program_id)
        self.assertFalse(self.customer._get_relance_program(self.company))

    def test_billing_user_sets_the_override(self):
        custom = self._create_program(name="Custom", stages=((1, 2),))
        with Form(self.customer.with_user(self.billing_user)) as form:
            form.relance_policy = "custom"
            form.relance_program_id = custom
        self.assertEqual(self.customer.relance_program_id, custom)
        with Form(self.customer.with_user(self.billing_user)) as form:
            form.relance_policy = "global"
            self.assertFalse(form.relance_program_id, "leaving custom forgets the program")
        self.assertEqual(self.customer.relance_policy, "global")

    def test_batch_of_customers(self):
        """Several customers at once: the contact list edits them together, or an import."""
        others = self.env["res.partner"].create([{"name": f"Client {i}", "is_company": True} for i in range(3)])
        (self.customer | others).with_user(self.billing_user).write({"relance_policy": "none"})
        self.assertEqual(set((self.customer | others).mapped("relance_policy")), {"none"})
        result = (
            self.env["res.partner"]
            .with_context(import_file=True)
            .load(["name", "relance_policy"], [["Importé SA", "none"], ["Importé SARL", "global"]])
        )
        self.assertFalse(result["messages"], result["messages"])
        imported = self.env["res.partner"].browse(result["ids"])
        self.assertEqual(imported.mapped("relance_policy"), ["none", "global"])
        list_arch = self.env["res.partner"].get_view(self.env.ref("base.view_partner_tree").id, "list")["arch"]
        self.assertIn('name="relance_policy"', list_arch, "an optional column of the contact list")
