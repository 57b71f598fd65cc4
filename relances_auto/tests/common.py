from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MailCommon


class RelancesCommon(AccountTestInvoicingCommon, MailCommon):
    """Companies, users, customers and a 3-stage program for reminder tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.email = "billing@company.example.com"
        cls.program = cls.company.relance_program_id
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Dupont SARL",
                "email": "compta@dupont.example.com",
                "is_company": True,
            }
        )
        cls.billing_user = new_test_user(
            cls.env,
            login="relance_billing",
            email="billing.user@company.example.com",
            groups="account.group_account_invoice,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager_user = new_test_user(
            cls.env,
            login="relance_manager",
            email="manager.user@company.example.com",
            groups="account.group_account_manager,base.group_partner_manager,base.group_system",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _program_values(cls, name="Test program", mode="manual", stages=((1, 5), (2, 10), (3, 20)), company=None):
        return {
            "name": name,
            "mode": mode,
            "company_id": (company or cls.company).id,
            "stage_ids": [
                Command.create(
                    {
                        "level": level,
                        "delay_days": delay,
                        "subject": f"Level {level}: invoice #REF#",
                    }
                )
                for level, delay in stages
            ],
        }

    @classmethod
    def _create_program(cls, **kwargs):
        return cls.env["relance.program"].create(cls._program_values(**kwargs))
