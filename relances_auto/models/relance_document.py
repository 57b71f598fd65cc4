from odoo import api, models


class RelanceDocument(models.AbstractModel):
    """The documents a reminder carries: the invoice's PDF (a copy stamped
    “Reminder” once it is overdue, the stored original otherwise) and the
    mail template's own attachments. PDFs of a batch are rendered together."""

    _name = "relance.document"
    _description = "Reminder Documents"

    @api.model
    def _prepare(self, moves, stamp=False):
        """{(invoice id, stamp): (name, content)} of these invoices' PDFs, in as
        few wkhtmltopdf runs as possible: the stamped copies of all of them in
        one run, the plain PDFs not stored yet in another."""
        stamped = moves.filtered(lambda move: move._relance_stamp_applies()) if stamp else moves.browse()
        stored = (moves - stamped).filtered("invoice_pdf_report_id")
        plain = moves - stamped - stored
        result = {
            (move.id, stamp): (move.invoice_pdf_report_id.name, move.invoice_pdf_report_id.raw) for move in stored
        }
        for move, content in self._render(stamped, "relances_auto.action_report_invoice_reminder").items():
            result[(move.id, stamp)] = (move._relance_reminder_copy_filename() + ".pdf", content)
        for move, content in self._render(plain, "account.account_invoices").items():
            result[(move.id, stamp)] = (move._get_invoice_report_filename(), content)
        return result

    @api.model
    def _prepare_batch(self, moves_by_stamp):
        """{(invoice id, stamp): (name, content)} for {stamp option: invoices}: one
        rendering per kind of PDF and stamp option, for a batch of reminders."""
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
        """The invoices' PDF, as (name, content) pairs; with ``stamp``, the
        overdue ones are a copy stamped “Reminder” (never stored: the invoice's
        own PDF does not change). ``prepared``: what :meth:`_prepare` gave
        for a whole batch beforehand."""
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
        attachments (copied, as Odoo's composer does). A list per mail."""
        values, owners = [], []
        for index, mail in enumerate(mails):
            if mail.attach_pdf:
                for move, (name, raw) in zip(
                    mail.moves,
                    self._pdf_attachments(mail.moves, stamp=mail.stage.stamp_invoice, prepared=pdfs),
                    strict=True,
                ):
                    values.append({"name": name, "raw": raw, "res_model": "account.move", "res_id": move.id})
                    owners.append(index)
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
        return result
