import functools
import io

from PyPDF2.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject
from reportlab.lib import colors
from reportlab.pdfgen import canvas

from odoo import api, fields, models
from odoo.tools import format_date
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

# The stamp: a red framed word, slightly turned, at the top of each page.
STAMP_COLOR = colors.Color(0.75, 0.22, 0.17, alpha=0.9)
STAMP_FONT = "Helvetica-Bold"
STAMP_FONT_SIZE = 22
STAMP_TOP_MARGIN = 18  # points from the top edge of the page


@functools.lru_cache(maxsize=64)
def stamp_page_pdf(word, width, height):
    """A one-page PDF of ``width`` × ``height`` points holding only the stamp
    ``word``, centred at the top: made once per word and page size, then laid
    over every page that needs it."""
    packet = io.BytesIO()
    pdf = canvas.Canvas(packet, pagesize=(width, height))
    text_width = pdf.stringWidth(word, STAMP_FONT, STAMP_FONT_SIZE) + len(word) * 3
    box_width, box_height = text_width + 24, STAMP_FONT_SIZE + 12
    pdf.translate(width / 2, height - STAMP_TOP_MARGIN - box_height / 2)
    pdf.rotate(4)
    pdf.setStrokeColor(STAMP_COLOR)
    pdf.setFillColor(STAMP_COLOR)
    pdf.setLineWidth(2.5)
    pdf.roundRect(-box_width / 2, -box_height / 2, box_width, box_height, 4, stroke=1, fill=0)
    text = pdf.beginText()
    text.setFont(STAMP_FONT, STAMP_FONT_SIZE)
    text.setCharSpace(3)
    text.setTextOrigin(-text_width / 2 + 1.5, -STAMP_FONT_SIZE / 2 + 4)
    text.textOut(word)
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return packet.getvalue()


@functools.lru_cache(maxsize=64)
def stamp_form(word, width, height):
    """The stamp as a PDF form (XObject) for pages of ``width`` × ``height``:
    the content and resources of :func:`stamp_page_pdf`'s page."""
    page = PdfFileReader(io.BytesIO(stamp_page_pdf(word, width, height))).getPage(0)
    form = DecodedStreamObject()
    form.setData(page.getContents().getData())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [NumberObject(0), NumberObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): page["/Resources"],
        }
    )
    return form


def stamp_pdf(content, word):
    """``content`` (a PDF) with the stamp ``word`` over the top of each page:
    same pages, same text, the stamp drawn last. Unlike a page merge
    (``odoo.tools.pdf.add_banner``), the page's own content streams are
    neither decoded nor rewritten: the page draws them in a saved graphics
    state, then the stamp form; several times faster on real invoices. The
    original bytes are read, never changed. PyPDF2's camelCase API, as
    ``odoo.tools.pdf``: it is the one PyPDF2 1.26 (Python 3.10) and 2.x share."""
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    writer = PdfFileWriter()
    forms = {}
    for number in range(reader.getNumPages()):
        page = reader.getPage(number)
        box = page.mediaBox
        size = (round(float(box.getWidth()), 2), round(float(box.getHeight()), 2))
        if size not in forms:
            forms[size] = writer._addObject(stamp_form(word, *size))
        contents = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
        streams = list(contents.getObject()) if isinstance(contents.getObject(), ArrayObject) else [contents]
        resources = DictionaryObject(page["/Resources"]) if "/Resources" in page else DictionaryObject()
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()))
        xobjects[NameObject("/RelanceStamp")] = forms[size]
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        page[NameObject("/Contents")] = ArrayObject(
            [_stream(writer, b"q\n"), *streams, _stream(writer, b"\nQ\nq /RelanceStamp Do Q\n")]
        )
        writer.addPage(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _stream(writer, data):
    stream = DecodedStreamObject()
    stream.setData(data)
    return writer._addObject(stream)


class RelanceDocument(models.AbstractModel):
    """The documents a reminder carries: the invoice the customer received
    (Odoo's stored PDF, ``invoice_pdf_report_id``) with a “Reminder” stamp
    once it is overdue, and the mail template's own attachments.

    The stamped copy is the stored original with the stamp laid over each
    page: same pages, same text, the original attachment untouched. An
    invoice never sent has no original yet: it is rendered once (a batch in
    one wkhtmltopdf run) and kept as the invoice's PDF, as Odoo does when it
    sends an invoice, then stamped."""

    _name = "relance.document"
    _description = "Reminder Documents"

    @api.model
    def _prepare(self, moves, stamp=False):
        """{(invoice id, stamp): (name, content, note)} of these invoices' PDFs:
        the stored original, stamped when ``stamp`` and the invoice is overdue;
        ``note`` says which file it is, in the customer's language."""
        self._store_originals(moves)
        result = {}
        for move in moves:
            original = move.invoice_pdf_report_id
            lang = move.partner_id.lang or "en_US"
            env = self.with_context(lang=lang).env
            if stamp and move._relance_stamp_applies():
                name = move._relance_reminder_copy_filename() + ".pdf"
                content = self._stamp(original.raw, env._("REMINDER"))
            else:
                name, content = original.name, original.raw
            if move.is_move_sent:
                note = env._(
                    "%(file)s, copy of the invoice sent on %(date)s",
                    file=name,
                    date=format_date(
                        env, fields.Datetime.context_timestamp(move, original.create_date), lang_code=lang
                    ),
                )
            else:  # never sent from Odoo: its PDF was made for this reminder (or printed), not received
                note = env._(
                    "%(file)s, the invoice of %(date)s",
                    file=name,
                    date=format_date(env, move.invoice_date, lang_code=lang),
                )
            result[(move.id, stamp)] = (name, content, note)
        return result

    @api.model
    def _stamp(self, content, word):
        if not content.startswith(b"%PDF"):
            # Odoo renders reports as HTML in tests (see _relance_render_batch): nothing to stamp
            return content
        return stamp_pdf(content, word)

    @api.model
    def _store_originals(self, moves):
        """Render the invoices that have no stored PDF yet, all in one run, and
        keep each as the invoice's PDF the way Odoo's sending does
        (``account.move.send._link_invoice_documents``): the attachment of
        ``invoice_pdf_report_file``, the invoice's main attachment."""
        missing = moves.filtered(lambda move: not move.invoice_pdf_report_id)
        if not missing:
            return
        contents = self._render(missing, "account.account_invoices")
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": move._get_invoice_report_filename(),
                        "raw": contents[move],
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move.id,
                        "res_field": "invoice_pdf_report_file",
                    }
                    for move in missing
                ]
            )
        )
        for move, attachment in zip(missing, attachments, strict=True):
            move.sudo().message_main_attachment_id = attachment
        missing.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])

    @api.model
    def _prepare_batch(self, moves_by_stamp):
        """{(invoice id, stamp): (name, content, note)} for {stamp option: invoices}:
        the originals a batch lacks rendered together, then stamped."""
        self._store_originals(self.env["account.move"].union(*moves_by_stamp.values()))
        pdfs = {}
        for stamp, moves in moves_by_stamp.items():
            pdfs.update(self._prepare(moves, stamp))
        return pdfs

    @api.model
    def _render(self, records, report_ref):
        """{record: PDF} of one report for these records, rendered together."""
        return self.env["ir.actions.report"].sudo()._relance_render_batch(report_ref, records)

    @api.model
    def _pdf_attachments(self, moves, stamp=False, prepared=None):
        """The invoices' PDF, as (name, content, note) triples; with ``stamp``,
        the overdue ones are the stamped copy. ``prepared``: what
        :meth:`_prepare` gave for a whole batch beforehand."""
        prepared = prepared or {}
        missing = moves.filtered(lambda move: (move.id, stamp) not in prepared)
        if missing:
            prepared = {**prepared, **self._prepare(missing, stamp)}
        return [prepared[(move.id, stamp)] for move in moves]

    @api.model
    def _mail_attachments(self, mails, pdfs):
        """The attachments of each reminder mail (``relance.sender`` mails),
        created on its invoices as ``message_post`` does, in one insert: the
        invoice PDFs when the reminder attaches them, then the template's own
        attachments (copied, as Odoo's composer does). A list per mail, and
        {invoice id: note} of the invoice PDFs that went out."""
        values, owners, notes = [], [], {}
        for index, mail in enumerate(mails):
            if mail.attach_pdf:
                for move, (name, raw, note) in zip(
                    mail.moves,
                    self._pdf_attachments(mail.moves, stamp=mail.stage.stamp_invoice, prepared=pdfs),
                    strict=True,
                ):
                    values.append({"name": name, "raw": raw, "res_model": "account.move", "res_id": move.id})
                    owners.append(index)
                    notes[move.id] = note
            for attachment in mail.stage.mail_template_id.attachment_ids.sudo():
                values.append(
                    {
                        "name": attachment.name,
                        "datas": attachment.datas,
                        "mimetype": attachment.mimetype,
                        "res_model": "account.move",
                        "res_id": mail.main.id,
                    }
                )
                owners.append(index)
        result = [self.env["ir.attachment"]] * len(mails)
        for index, attachment in zip(owners, self.env["ir.attachment"].sudo().create(values), strict=True):
            result[index] |= attachment
        return result, notes
