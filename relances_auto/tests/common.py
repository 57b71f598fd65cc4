from contextlib import contextmanager

from lxml import html as lxml_html

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MailCommon
from odoo.tests import new_test_user


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

    def assertRaisesRegex(self, exception, regex, *args, **kwargs):
        """Like Odoo's assertRaises, roll back to a savepoint on the error, so
        that the test can check that nothing was half-saved."""
        if args or kwargs:
            return super().assertRaisesRegex(exception, regex, *args, **kwargs)
        return self._assert_raises_regex(exception, regex)

    @contextmanager
    def _assert_raises_regex(self, exception, regex):
        with self.assertRaises(exception) as catched:
            yield catched
        self.assertRegex(str(catched.exception), regex)

    @classmethod
    def _create_invoice(cls, partner=None, due_date="2026-03-01", amount=1000.0, post=True, company=None):
        """A customer invoice of ``amount`` due on ``due_date``."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": "2026-01-15",
                    "invoice_date_due": due_date,
                    "company_id": company.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
        )
        if post:
            move.action_post()
            # posting recomputes the due date from the (absent) payment terms
            move.invoice_date_due = due_date
        return move

    def _plan(self, moves=None, today=None):
        lines = self.env["relance.planner"]._get_plan(
            companies=self.company, today=today, move_ids=moves.ids if moves else None
        )
        return {line.invoice_id: line for line in lines}

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


def _text(element):
    return " ".join(element.text_content().split())


def read_digest(body):
    """The digest as a person reads it: its summary sentence and one dict per
    invoice row (customer, level, invoice, link, due date, days late, amount,
    status), in the order shown."""
    root = lxml_html.fromstring(body)
    rows = []
    customer = level = None
    for element in root.iter("h3", "p", "tr"):
        if element.tag == "h3":
            customer = _text(element)
        elif element.tag == "p" and element.find("strong") is not None and element.getparent().tag == "div":
            level = _text(element)
        elif element.tag == "tr" and "o_relance_digest_row" in (element.get("class") or ""):
            cells = element.findall("td")
            link = cells[0].find("a")
            rows.append(
                {
                    "customer": customer,
                    "level": level,
                    "invoice": _text(cells[0]),
                    "url": link.get("href") if link is not None else None,
                    "due_date": _text(cells[1]),
                    "days_late": _text(cells[2]),
                    "amount": _text(cells[3]),
                    "status": _text(cells[4]),
                }
            )
    paragraphs = [_text(p) for p in root.iter("p")]
    return {"summary": paragraphs[0] if paragraphs else "", "paragraphs": paragraphs, "rows": rows}


def read_table(body, css_class):
    """The rows of the table of class ``css_class``, each a list of cell texts."""
    root = lxml_html.fromstring(body)
    table = root.find_class(css_class)[0]
    return [[_text(cell) for cell in tr.findall("td")] for tr in table.iter("tr") if tr.findall("td")]


def html_text(body):
    """A mail's text as a person reads it: its words, in order, one space apart."""
    return " ".join(lxml_html.fromstring(body).text_content().split())
