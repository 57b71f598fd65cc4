import io
import pathlib
import re
import subprocess
import tempfile

import zxingcpp
from freezegun import freeze_time
from lxml import html as lxml_html
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.pdf import PdfFileReader

from .common import RelancesCommon


def pdf_text(content):
    """The text of every page of a PDF (spaces normalised), and its page count."""
    reader = PdfFileReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text), len(reader.pages)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-31 10:00:00")
class TestReminderDocuments(RelancesCommon):
    """What the customer reads: languages, the stamped invoice copy, letters,
    the French late-payment mentions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        cls.customer.write({"street": "12 rue des Lilas", "zip": "69003", "city": "Lyon", "lang": "fr_FR"})
        cls.english_customer = cls.env["res.partner"].create(
            {
                "name": "Brown Ltd",
                "email": "accounts@brown.example.com",
                "is_company": True,
                "street": "1 High Street",
                "city": "Leeds",
                "lang": "en_US",
            }
        )
        cls.stages = {stage.level: stage for stage in cls.program.stage_ids}
        cls.move_fr = cls._create_invoice(due_date="2026-03-15")  # 16 days late: level 2
        cls.move_en = cls._create_invoice(partner=cls.english_customer, due_date="2026-03-15")

    def _send(self, moves, level, **kwargs):
        with self.mock_mail_gateway():
            logs = moves.env["relance.sender"]._send(moves, self.stages[level], "manual", **kwargs)
        return logs

    def _attachments(self, logs):
        return logs.mail_message_id.attachment_ids

    # ------------------------------------------------------------------
    # Languages
    # ------------------------------------------------------------------

    def test_each_customer_reads_its_language(self):
        (self.move_fr | self.move_en).env["relance.sender"]._record(
            (self.move_fr | self.move_en), self.stages[1], note="Phone call"
        )  # a previous reminder
        logs_fr = self._send(self.move_fr, 2)
        logs_en = self._send(self.move_en, 2)
        mail_fr, mail_en = logs_fr.mail_id, logs_en.mail_id
        self.assertEqual(mail_fr.subject, f"Deuxième relance : la facture {self.move_fr.name} est toujours impayée")
        self.assertIn("Malgré notre précédente relance", mail_fr.body_html)
        self.assertIn("1\N{NO-BREAK SPACE}000,00", mail_fr.body_html, "amounts written the French way")
        self.assertIn("15/03/2026", mail_fr.body_html, "dates written the French way")
        self.assertEqual(mail_en.subject, f"Second reminder: invoice {self.move_en.name} is still unpaid")
        self.assertIn("Despite our previous reminder", mail_en.body_html)
        self.assertIn("03/15/2026", mail_en.body_html)
        self.assertNotIn("Malgré", mail_en.body_html)

    def test_ref_lists_every_invoice_of_one_mail(self):
        second = self._create_invoice(due_date="2026-03-10")
        logs = self._send(self.move_fr | second, 2)
        first, last = sorted((self.move_fr | second).mapped("name"))
        self.assertEqual(logs.mail_id.subject, f"Deuxième relance : les factures {first} et {last} restent impayées")
        self.assertEqual(len(logs.mail_id), 1, "one mail for both invoices")

    # ------------------------------------------------------------------
    # The stamped copy of the invoice the customer received
    # ------------------------------------------------------------------

    def _store_original(self, move, pages=2, sent_on="2026-03-01 09:00:00"):
        """The invoice's PDF as Odoo keeps it once sent (``invoice_pdf_report_file``):
        ``pages`` pages of text, stored on ``sent_on``."""
        packet = io.BytesIO()
        pdf = canvas.Canvas(packet, pagesize=A4)
        for page in range(1, pages + 1):
            pdf.drawString(72, 700, f"ORIGINAL {move.name} page {page} of {pages}")
            pdf.showPage()
        pdf.save()
        attachment = self.env["ir.attachment"].create(
            {
                "name": move._get_invoice_report_filename(),
                "raw": packet.getvalue(),
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": move.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        self.env.flush_all()
        self.env.cr.execute("UPDATE ir_attachment SET create_date = %s WHERE id = %s", [sent_on, attachment.id])
        attachment.invalidate_recordset(["create_date"])
        move.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        move.is_move_sent = True
        self.assertEqual(move.invoice_pdf_report_id, attachment)
        return attachment

    @staticmethod
    def _pages(content):
        """The text of each page of a PDF, spaces normalised."""
        return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfFileReader(io.BytesIO(content)).pages]

    def test_overdue_invoice_goes_as_the_stored_original_stamped(self):
        original = self._store_original(self.move_en, pages=2)
        original_bytes = original.raw
        logs = self._send(self.move_en, 2)
        attachment = self._attachments(logs)
        name = f"{self.move_en.name.replace('/', '_')} (reminder).pdf"
        self.assertEqual(attachment.name, name)
        pages = self._pages(attachment.raw)
        self.assertEqual(len(pages), 2, "as many pages as the original")
        for number, text in enumerate(pages, start=1):
            self.assertIn(f"ORIGINAL {self.move_en.name} page {number} of 2", text, "the original's text, intact")
            self.assertIn("REMINDER", text, "the stamp on every page")
        self.assertEqual(original.raw, original_bytes, "the original is never changed")
        self.assertEqual(self.move_en.invoice_pdf_report_id, original)
        self.assertIn(logs.mail_id.attachment_ids, attachment, "the mail carries it")
        note = f"{name}, copy of the invoice sent on 03/01/2026"
        self.assertEqual(logs.document, note, "the history says which file went out")
        self.assertIn(
            f"Attached: {note}.", " ".join(lxml_html.fromstring(logs.mail_id.body_html).text_content().split())
        )

    def test_stamp_in_the_customer_language(self):
        self._store_original(self.move_fr, pages=1)
        logs = self._send(self.move_fr, 2)
        attachment = self._attachments(logs)
        name = f"{self.move_fr.name.replace('/', '_')} (relance).pdf"
        self.assertEqual(attachment.name, name)
        (text,) = self._pages(attachment.raw)
        self.assertIn("RAPPEL", text)
        self.assertNotIn("REMINDER", text)
        self.assertIn(f"ORIGINAL {self.move_fr.name} page 1 of 1", text)
        body = " ".join(lxml_html.fromstring(logs.mail_id.body_html).text_content().split())
        self.assertIn(f"Pièce jointe : {name}, copie de la facture envoyée le 01/03/2026.", body)

    def test_no_stamp_before_the_due_date_or_when_disabled(self):
        not_due = self._create_invoice(partner=self.english_customer, due_date="2026-04-10")
        original = self._store_original(not_due, pages=1)
        self.assertFalse(not_due._relance_stamp_applies())
        ((name, raw, __),) = not_due.env["relance.document"]._pdf_attachments(not_due, stamp=True)
        self.assertEqual((name, raw), (original.name, original.raw), "the invoice itself, as received")
        self.stages[2].stamp_invoice = False
        original = self._store_original(self.move_en, pages=1)
        attachment = self._attachments(self._send(self.move_en, 2))
        self.assertEqual((attachment.name, attachment.raw), (original.name, original.raw))

    def test_invoice_due_on_issue_gets_12_hours_from_its_due_date(self):
        move = self._create_invoice(partner=self.english_customer, post=False)
        move.invoice_date = "2026-03-31"
        move.action_post()
        move.invoice_date_due = "2026-03-31"
        self.assertFalse(move._relance_stamp_applies(), "10:00 on its due date: 2 hours to go")
        with freeze_time("2026-03-31 12:30:00"):
            self.assertTrue(move._relance_stamp_applies())

    def test_invoice_entered_long_after_its_due_date_is_stamped_at_once(self):
        imported = self._create_invoice(partner=self.english_customer, due_date="2026-01-15")  # entered today
        self.assertTrue(imported._relance_stamp_applies())

    def test_never_sent_invoice_is_rendered_once_kept_then_stamped(self):
        self.assertFalse(self.move_en.invoice_pdf_report_id)
        moves = self.move_en.with_context(force_report_rendering=True)
        logs = self._send(moves, 2)
        original = self.move_en.invoice_pdf_report_id
        self.assertTrue(original, "kept as the invoice's PDF, as Odoo does when it sends an invoice")
        self.assertEqual(original.name, self.move_en._get_invoice_report_filename())
        self.assertTrue(original.raw.startswith(b"%PDF"))
        original_text = self._pages(original.raw)
        self.assertNotIn("REMINDER", " ".join(original_text), "the kept original bears no stamp")
        self.assertEqual(
            logs.document,
            f"{self.move_en.name.replace('/', '_')} (reminder).pdf, the invoice of 01/15/2026",
            "never sent: not said to be a copy of an invoice the customer received",
        )
        stamped = self._pages(self._attachments(logs).raw)
        self.assertEqual(len(stamped), len(original_text))
        self.assertIn(self.move_en.name, stamped[0])
        self.assertIn("REMINDER", stamped[0])
        self._send(moves, 3)
        self.assertEqual(self.move_en.invoice_pdf_report_id, original, "rendered once")

    def test_several_records_render_in_one_call(self):
        """The patched-Qt wkhtmltopdf renders several invoices at once (Debian's fails)."""
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        content, kind = report._render("account.account_invoices", (self.move_fr | self.move_en).ids)
        self.assertEqual(kind, "pdf")
        text, pages = pdf_text(content)
        self.assertGreaterEqual(pages, 2)
        self.assertIn(self.move_fr.name, text)
        self.assertIn(self.move_en.name, text)

    def test_letter_encloses_the_stamped_original(self):
        self.stages[2].channel = "letter"
        self._store_original(self.move_fr, pages=2)
        logs = self._send(self.move_fr, 2)
        pages = self._pages(logs.letter_attachment_id.raw)
        self.assertEqual(len(pages), 3, "the letter, then the invoice's two pages")
        self.assertIn("Relance de paiement", pages[0])
        for number, text in enumerate(pages[1:], start=1):
            self.assertIn(f"ORIGINAL {self.move_fr.name} page {number} of 2", text)
            self.assertIn("RAPPEL", text)
        self.assertTrue(logs.document.endswith("copie de la facture envoyée le 01/03/2026"))

    # ------------------------------------------------------------------
    # Letters
    # ------------------------------------------------------------------

    def test_letter_carries_the_company_letterhead(self):
        """Header and footer of the company's layout: its name and address on the letter."""
        self.company.partner_id.write({"street": "8 avenue des Comptables", "zip": "75008", "city": "Paris"})
        self.stages[2].channel = "letter"
        logs = self._send(self.move_fr, 2)
        text, __ = pdf_text(logs.letter_attachment_id.raw)
        self.assertIn("8 avenue des Comptables", text)
        self.assertIn(self.company.name, text)
        self.assertIn("Page 1 / 1", text, "the layout's footer")

    def test_letter_channel_makes_a_letter_to_print(self):
        self.stages[2].channel = "letter"
        logs = self._send(self.move_fr, 2)
        self.assertFalse(self._new_mails, "a letter is not mailed")
        self.assertEqual((logs.channel, logs.state, logs.kind, logs.level), ("letter", "to_print", "manual", 2))
        self.assertEqual(self.move_fr.relance_last_level, 2, "a letter counts as its level")
        self.assertIn("12 rue des Lilas", logs.recipient, "the address it goes to")
        self.assertNotIn(", ,", logs.recipient)
        letter = logs.letter_attachment_id
        self.assertEqual(letter.mimetype, "application/pdf")
        self.assertTrue(letter.raw.startswith(b"%PDF"))
        self.assertIn("Lettre de relance", letter.name)
        text, pages = pdf_text(letter.raw)
        self.assertEqual(pages, 1)
        self.assertEqual(text.count("Jours de retard"), 1, "the invoices are listed once, not again by the template")
        for expected in (
            "Dupont SARL",
            "12 rue des Lilas",
            "Lyon",
            self.move_fr.name,
            "Relance de paiement",
            "Sauf erreur de notre part",  # no reminder before this letter
            "1 000,00",
        ):
            self.assertIn(expected, text)
        self.assertIn(letter, self.move_fr.message_ids[0].attachment_ids, "the letter is in the chatter")

    def test_letter_prints_the_answer_link_and_its_qr_code(self):
        """The customer's link is printed on the letter, and the QR code beside
        it, read from the printed page as a phone would, opens the same page."""
        self.stages[2].channel = "letter"
        logs = self._send(self.move_fr, 2)
        url = self.move_fr._relance_answer_url()
        text, __ = pdf_text(logs.letter_attachment_id.raw)
        self.assertIn(
            "Déjà payée, paiement à une date précise, ou contestation de cette facture ? Dites-le-nous à l'adresse :",
            " ".join(text.split()),
        )
        self.assertIn(url, "".join(text.split()), "the address, in full")
        with tempfile.TemporaryDirectory() as folder:
            with open(f"{folder}/letter.pdf", "wb") as pdf:
                pdf.write(logs.letter_attachment_id.raw)
            subprocess.run(
                ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", pdf.name, f"{folder}/page"], check=True
            )
            page = Image.open(next(pathlib.Path(folder).glob("page*.png")))
            codes = zxingcpp.read_barcodes(page)
        self.assertEqual([(code.format.name, code.text) for code in codes], [("QRCode", url)])

    def test_email_and_letter_for_one_mail_per_customer(self):
        self.stages[2].channel = "email_letter"
        second = self._create_invoice(due_date="2026-03-10")
        logs = self._send(self.move_fr | second, 2)
        self.assertEqual(len(logs.mail_id), 1, "the mail goes")
        self.assertEqual(set(logs.mapped("state")), {"queued"})
        self.assertEqual(len(logs.letter_attachment_id), 1, "one letter for the invoices of one mail")
        text, __ = pdf_text(logs.letter_attachment_id.raw)
        self.assertIn(self.move_fr.name, text)
        self.assertIn(second.name, text)
        self.assertIn("Total dû $ 2 000,00", text, "the total due")
        self.assertEqual(text.count("Jours de retard"), 1, "the invoices are listed once, not again by the template")

    def test_letter_needs_a_postal_address(self):
        self.stages[2].channel = "letter"
        self.program.mode = "auto"
        self.customer.street = False
        with self.assertRaisesRegex(UserError, "No postal address for Dupont SARL"):
            self._send(self.move_fr, 2)
        self.assertFalse(self.move_fr.relance_log_ids)
        line = self._plan(self.move_fr)[self.move_fr.id]
        self.assertEqual(line.reason, "no_address")

    def test_print_letters_in_bulk(self):
        self.stages[2].channel = "letter"
        logs = self._send(self.move_fr, 2) | self._send(self.move_en, 2)
        action = logs.action_print_letters()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(",".join(map(str, logs.ids)), action["url"])
        self.assertEqual(set(logs.mapped("state")), {"printed"})
        text, pages = pdf_text(logs._letters_pdf())
        self.assertEqual(pages, 2, "each letter once, one page each")
        self.assertIn("Payment reminder", text)
        self.assertIn("Relance de paiement", text)

    def test_wizard_sends_a_letter_and_opens_it(self):
        self.program.mode = "auto"  # manual reminders work whatever the mode
        action = self.move_fr.with_user(self.billing_user).action_relance_open_send()
        wizard = Form(self.env["relance.send"].with_user(self.billing_user).with_context(**action["context"]))
        self.assertEqual(wizard.channel, "email")
        wizard.channel = "letter"
        with self.mock_mail_gateway():
            result = wizard.save().action_send_customer()
        self.assertFalse(self._new_mails)
        log = self.move_fr.relance_log_ids
        self.assertEqual((log.channel, log.state, log.kind), ("letter", "printed", "manual"))
        self.assertEqual(result["type"], "ir.actions.act_url")
        self.assertEqual(result["url"], f"/relances_auto/letters?log_ids={log.id}")

    def _mass_wizard(self, moves, mass_channel):
        action = moves.with_user(self.billing_user).action_relance_send_due()
        wizard = self.env["relance.send"].with_user(self.billing_user).with_context(**action["context"])
        return wizard.create({"mass_channel": mass_channel})

    def test_mass_by_letter(self):
        wizard = self._mass_wizard(self.move_fr | self.move_en, "letter")
        with self.mock_mail_gateway():
            result = wizard.action_send_mass()
        self.assertFalse(self._new_mails)
        logs = (self.move_fr | self.move_en).relance_log_ids
        self.assertEqual(logs.mapped("state"), ["to_print", "to_print"])
        self.assertEqual(len(logs.letter_attachment_id), 2, "one letter per invoice and customer")
        self.assertIn("2 letters to print", result["params"]["message"])

    def test_mass_recorded_without_sending(self):
        self.english_customer.email = False  # no address needed to record
        wizard = self._mass_wizard(self.move_fr | self.move_en, "record")
        wizard.note = "Monthly call"
        with self.mock_mail_gateway():
            result = wizard.action_send_mass()
        self.assertFalse(self._new_mails)
        logs = (self.move_fr | self.move_en).relance_log_ids
        self.assertEqual(set(logs.mapped("state")), {"recorded"})
        self.assertEqual(logs.mapped("note"), ["Monthly call", "Monthly call"])
        self.assertEqual(self.move_en.relance_last_level, 2, "recorded: counts as its level")
        self.assertIn("2 reminders recorded.", result["params"]["message"])

    def test_mass_letter_needs_an_address(self):
        self.english_customer.street = False
        wizard = self._mass_wizard(self.move_fr | self.move_en, "letter")
        self.assertIn("no postal address for Brown Ltd", wizard.mass_summary)
        with self.mock_mail_gateway():
            wizard.action_send_mass()
        self.assertFalse(self.move_en.relance_log_ids)
        self.assertTrue(self.move_fr.relance_log_ids)

    def test_letter_of_an_email_reminder_on_demand(self):
        logs = self._send(self.move_en, 1)
        self.assertFalse(logs.letter_attachment_id)
        logs.action_print_letters()
        self.assertTrue(logs.letter_attachment_id.raw.startswith(b"%PDF"))
        self.assertEqual(logs.state, "queued", "an email reminder stays as the mail queue says")

    def test_test_send_attaches_the_letter(self):
        self.stages[2].channel = "email_letter"
        with self.mock_mail_gateway():
            logs = self.move_fr.env["relance.sender"]._send_test(self.move_fr, self.stages[2])
        names = logs.mail_id.attachment_ids.mapped("name")
        self.assertTrue(any(name.startswith("Lettre de relance") for name in names), names)
        self.assertEqual(self.move_fr.relance_last_level, 0)

    def test_letter_template_error_is_clear(self):
        self.stages[2].channel = "letter"
        self.stages[2].mail_template_id.sudo().body_html = '<p t-out="object.no_such_field"/>'
        with self.assertRaisesRegex(UserError, "cannot be rendered"):
            self._send(self.move_en, 2)
        self.assertFalse(self.move_en.relance_log_ids)

    # ------------------------------------------------------------------
    # French late-payment mentions (Code de commerce, art. L441-10)
    # ------------------------------------------------------------------

    def test_legal_mentions_in_the_formal_notice(self):
        self.company.relance_legal_mention = True
        body = self.move_fr.env["relance.sender"]._render(self.move_fr, self.stages[3])[1]
        self.assertIn("article L441-10 du Code de commerce", body)
        self.assertIn("indemnité forfaitaire pour frais de recouvrement de 40 euros", body)
        self.assertIn("taux de refinancement de la Banque centrale européenne majoré de 10 points", body)
        self.company.relance_late_interest_rate = 12.5
        body = self.move_fr.env["relance.sender"]._render(self.move_fr, self.stages[3])[1]
        self.assertIn("au taux annuel de 12,50\N{NO-BREAK SPACE}%", body)
        body_en = self.move_en.env["relance.sender"]._render(self.move_en, self.stages[3])[1]
        self.assertIn("at the yearly rate of 12.50\N{NO-BREAK SPACE}%", body_en)
        self.assertIn("fixed indemnity of 40 euros for recovery costs", body_en)

    def test_no_legal_mentions_unless_asked_and_for_companies(self):
        self.assertNotIn("L441-10", self.move_fr.env["relance.sender"]._render(self.move_fr, self.stages[3])[1])
        self.company.relance_legal_mention = True
        self.assertNotIn(
            "L441-10",
            self.move_fr.env["relance.sender"]._render(self.move_fr, self.stages[2])[1],
            "only the formal notice",
        )
        self.customer.is_company = False
        self.assertNotIn(
            "L441-10", self.move_fr.env["relance.sender"]._render(self.move_fr, self.stages[3])[1], "not for consumers"
        )

    def test_negative_interest_rate_refused(self):
        with self.assertRaisesRegex(Exception, "cannot be negative"):
            self.company.relance_late_interest_rate = -1
            self.company.flush_recordset()
