import json
import logging
import uuid
from collections import defaultdict

import psycopg2
from markupsafe import Markup

from odoo import Command, api, models
from odoo.exceptions import UserError

from .. import planner as core
from .account_move import RelanceRenderError

_logger = logging.getLogger(__name__)

# The layout every reminder mail is wrapped in (“View Invoice”, the sender's signature).
MAIL_LAYOUT = "mail.mail_notification_layout_with_responsible_signature"


class RelanceSender(models.AbstractModel):
    """Queues the reminder mails of a batch together: the templates rendered
    once per template and language for all single-invoice mails, then the
    chatter messages, their mails, delivery notifications, attachments and
    history lines created in a few bulk inserts, in one transaction.

    Each reminder keeps what ``message_post`` gives it: a message in the
    invoice's chatter (with its delivery status), the mail in the customer's
    language wrapped in Odoo's notification layout, replies to the sender. As
    with Odoo's mass-mail composer, the invoice's followers are not notified
    of automatic reminders: only the customer receives them."""

    _name = "relance.sender"
    _description = "Reminder Sending Service"

    @api.model
    def _queue(self, mails, kind="auto", pdfs=None):
        """Queue ``mails``, each a list of plan lines of one customer (locked
        and planned again by the caller) that make one mail.

        A mail that cannot be made (template error, no address, no sender…)
        gets failed history lines with the reason; the others are queued.
        Letter-only reminders and mails the bulk path cannot take are sent
        one by one by :meth:`_send_one`.

        :param pdfs: the batch's invoice PDFs, see ``account.move._relance_prepare_pdfs``
        :return: (mails handled, their ``relance.log`` lines)
        """
        logs = self.env["relance.log"]
        mails = [lines for lines in mails if lines]
        moves_all = self.env["account.move"].browse([line.invoice_id for lines in mails for line in lines])
        stages_all = self.env["relance.stage"].browse({line.stage_id for lines in mails for line in lines})
        prepared, singles = [], []
        for lines in mails:
            moves = moves_all.browse([line.invoice_id for line in lines]).with_prefetch(moves_all._prefetch_ids)
            stages = stages_all.browse([line.stage_id for line in lines]).with_prefetch(stages_all._prefetch_ids)
            stage_by_move = dict(zip(moves, stages, strict=True))
            top = max(stages, key=lambda stage: stage.level)
            main = next(iter(moves))  # moves[0] would lose the batch's prefetching
            if not core.uses_email(top.channel):
                singles.append(lines)
                continue
            try:
                if core.uses_letter(top.channel):
                    moves._relance_check_address(main.partner_id)
                moves._relance_check_partners(main.partner_id)
                author, email_from = moves._relance_sender()
            except UserError as error:
                logs |= self._failed(moves, top, stage_by_move, kind, error)
                continue
            prepared.append(
                {
                    "lines": lines,
                    "moves": moves,
                    "main": main,
                    "stage": top,
                    "stage_by_move": stage_by_move,
                    "author": author,
                    "from": email_from,
                }
            )
        rendered, failed = self._render(prepared)
        for mail, error in failed:
            logs |= self._failed(mail["moves"], mail["stage"], mail["stage_by_move"], kind, error)
        if rendered:
            try:
                with self.env.cr.savepoint():
                    logs |= self._create(rendered, kind, pdfs)
            except psycopg2.IntegrityError:
                # a level recorded meanwhile by another run: one by one, each isolated
                _logger.info("Bulk queuing of %s reminders refused: sending them one by one", len(rendered))
                self.env.invalidate_all()
                singles += [mail["lines"] for mail in rendered]
        handled = len(mails) - len(singles)
        for lines in singles:
            done, single_logs = self._send_one(lines, kind, pdfs)
            handled += done
            logs |= single_logs
        return handled, logs

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    @api.model
    def _render(self, prepared):
        """Subject, body and language of each mail: the single-invoice mails of
        one template and language in one rendering; a rendering that fails is
        done again mail by mail so that only the faulty one fails.

        :return: (mails with their content, [(mail, error)] that failed)
        """
        buckets = defaultdict(list)
        multi = []
        by_template = defaultdict(list)
        for mail in prepared:
            if len(mail["moves"]) == 1:
                by_template[mail["stage"].mail_template_id].append(mail)
            else:
                multi.append(mail)
        for template, template_mails in by_template.items():
            moves = self.env["account.move"].union(*(mail["moves"] for mail in template_mails))
            langs = template._render_lang(moves.ids) if template else {}
            for mail in template_mails:
                move = mail["moves"]
                mail["lang"] = langs.get(move.id) or move.partner_id.lang or self.env.lang or "en_US"
                buckets[(template, mail["lang"])].append(mail)
        self._ensure_tokens(self.env["account.move"].union(*(mail["moves"] for mail in prepared)))
        rendered, failed = [], []
        for (template, lang), bucket_mails in buckets.items():
            moves = self.env["account.move"].union(*(mail["moves"] for mail in bucket_mails))
            try:
                bodies = self._render_together(template, lang, moves)
            except Exception:
                multi += bucket_mails
                continue
            for mail in bucket_mails:
                moves = mail["moves"].with_context(lang=lang)
                mail["subject"] = moves._relance_subject(mail["stage"], lang)
                mail["body"] = moves._relance_add_fee_text(mail["stage"], bodies[mail["moves"].id])
                rendered.append(mail)
        for mail in multi:
            try:
                mail["lang"] = mail.get("lang") or mail["main"]._relance_lang(mail["stage"].mail_template_id)
                mail["subject"], mail["body"] = mail["moves"]._relance_render(mail["stage"], lang=mail["lang"])
            except RelanceRenderError as error:
                failed.append((mail, error))
                continue
            rendered.append(mail)
        return rendered, failed

    @api.model
    def _render_together(self, template, lang, moves):
        """{invoice id: body} of ``template`` for single-invoice mails, in one
        QWeb compilation: Odoo compiles a mail template's body again for each
        record it renders, which costs more than everything else of a mail.
        The body is rendered in a loop over the invoices, each one's output
        opened by a marker, then split at the markers; each part is what
        ``_render_field("body_html", ...)`` gives for that invoice."""
        template = template.with_context(lang=lang, relance_move_ids=(), relance_current_log_ids=())
        first = next(iter(moves))
        marker = f"<!--relance-{uuid.uuid4().hex}-->"
        source = f'<t t-foreach="relance_records" t-as="object"><t t-out="relance_split"/>{template.body_html}</t>'
        options = dict(getattr(template._fields["body_html"], "render_options", {}), post_process=False)
        output = template._render_template(
            source,
            "account.move",
            [first.id],
            engine="qweb",
            add_context={"relance_records": moves, "relance_split": Markup(marker)},
            options=options,
        )[first.id]
        parts = str(output).split(marker)[1:]
        if len(parts) != len(moves):
            raise ValueError("the template's output cannot be split per invoice")
        return template._render_template_postprocess(
            "account.move", {move.id: Markup(part) for move, part in zip(moves, parts, strict=True)}
        )

    @api.model
    def _ensure_tokens(self, moves):
        """The portal access tokens of these invoices (the mail's “View
        Invoice” link), in one query: ``_portal_ensure_token`` writes them one
        by one through ``account.move.write``, which re-checks each invoice's
        lines. A token is a plain column nothing depends on."""
        missing = moves.filtered(lambda move: not move.access_token)
        if not missing:
            return
        tokens = {str(move.id): str(uuid.uuid4()) for move in missing}
        self.env.cr.execute(
            "UPDATE account_move SET access_token = %s::jsonb ->> id::text WHERE id IN %s AND access_token IS NULL",
            [json.dumps(tokens), tuple(missing.ids)],
        )
        missing.invalidate_recordset(["access_token"])

    # ------------------------------------------------------------------
    # Records
    # ------------------------------------------------------------------

    @api.model
    def _create(self, mails, kind, pdfs):
        """The messages, mails, notifications, attachments and history lines
        of rendered ``mails``, in bulk. Raises on any database error (the
        caller then sends them one by one)."""
        env = self.env
        subtype = env.ref("mail.mt_comment")
        attachments = self._attachments(mails, pdfs)
        messages = (
            env["mail.message"]
            .sudo()
            .create(
                [
                    {
                        "model": "account.move",
                        "res_id": mail["main"].id,
                        "record_name": mail["main"].display_name,
                        "record_company_id": mail["main"].company_id.id,
                        "body": Markup(mail["body"]),
                        "subject": mail["subject"],
                        "author_id": mail["author"].id,
                        "email_from": mail["from"],
                        "reply_to": mail["from"],
                        "reply_to_force_new": False,
                        "message_type": "comment",
                        "subtype_id": subtype.id,
                        "is_internal": False,
                        "email_layout_xmlid": MAIL_LAYOUT,
                        "email_add_signature": False,
                        "partner_ids": [Command.link(mail["main"].partner_id.id)],
                        "attachment_ids": [Command.link(attachment.id) for attachment in attachments[index]],
                    }
                    for index, mail in enumerate(mails)
                ]
            )
        )
        partners = env["res.partner"].union(*(mail["main"].partner_id for mail in mails))
        recipients = env["mail.followers"]._get_recipient_data(None, "comment", False, pids=partners.ids)[0]
        partners.sudo().user_ids  # noqa: B018 - read for all at once (the portal link checks each customer's users)
        mail_values = []
        for mail, message in zip(mails, messages, strict=True):
            main = mail["main"]
            partner = main.partner_id
            data = dict(recipients[partner.id], notif="email", lang=mail["lang"])
            msg_vals = {
                "email_layout_xmlid": MAIL_LAYOUT,
                "model": "account.move",
                "res_id": main.id,
                "message_type": "comment",
                "subtype_id": subtype.id,
                "author_id": mail["author"].id,
                "body": message.body,
                "record_name": message.record_name,
                "email_add_signature": False,
                "tracking_value_ids": [],  # none: spares a search per mail
            }
            base = main._notify_by_email_get_base_mail_values(message, additional_values={"auto_delete": False})
            for _lang, render_values, group in main._notify_get_classified_recipients_iterator(
                message,
                [data],
                msg_vals=msg_vals,
                model_description=main.with_context(lang=mail["lang"]).type_name,  # “View Invoice”
                force_email_lang=mail["lang"],
            ):
                body_html = main._notify_by_email_render_layout(
                    message, group, msg_vals=msg_vals, render_values=render_values
                )
                mail_values.append(
                    main._notify_by_email_get_final_mail_values(
                        group.pop("recipients"), base, additional_values={"body_html": body_html}
                    )
                )
        outgoing = env["mail.mail"].sudo().create(mail_values)
        by_message = {mail.mail_message_id.id: mail for mail in outgoing}
        env["mail.notification"].sudo().create(
            [
                {
                    "mail_message_id": message.id,
                    "mail_mail_id": by_message[message.id].id,
                    "res_partner_id": mail["main"].partner_id.id,
                    "notification_type": "email",
                    "notification_status": "ready",
                    "is_read": True,
                }
                for mail, message in zip(mails, messages, strict=True)
            ]
        )
        self._notes(mails)
        log_values = []
        for mail, message in zip(mails, messages, strict=True):
            moves, stage = mail["moves"], mail["stage"]
            recipient = mail["main"].partner_id._relance_recipients_text()
            for vals in moves._relance_log_values(
                stage,
                kind,
                "queued",
                recipient,
                mail["subject"],
                channel=stage.channel,
                stage_by_move=mail["stage_by_move"],
            ):
                vals.update(mail_id=by_message[message.id].id, mail_message_id=message.id)
                log_values.append(vals)
        logs = env["relance.log"].sudo().create(log_values)
        letters = logs.filtered(lambda log: core.uses_letter(log.channel))
        if letters and not env.context.get("relance_defer_letters"):
            letters._make_letters()  # the daily job makes its letters per batch
        return logs

    @api.model
    def _attachments(self, mails, pdfs):
        """The invoice PDFs each mail attaches, created on the invoices as
        ``message_post`` does, in one insert; a list per mail."""
        values, owners = [], []
        for index, mail in enumerate(mails):
            stage = mail["stage"]
            if not stage.attach_invoice:
                continue
            moves = mail["moves"]
            for move, (name, raw) in zip(
                moves, moves._relance_pdf_attachments(stamp=stage.stamp_invoice, prepared=pdfs), strict=True
            ):
                values.append({"name": name, "raw": raw, "res_model": "account.move", "res_id": move.id})
                owners.append(index)
        result = [self.env["ir.attachment"]] * len(mails)
        for index, attachment in zip(owners, self.env["ir.attachment"].sudo().create(values), strict=True):
            result[index] |= attachment
        return result

    @api.model
    def _notes(self, mails):
        """The note on the other invoices of a mail that covers several."""
        note = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        values = []
        for mail in mails:
            main = mail["main"]
            for move in mail["moves"] - main:
                values.append(
                    {
                        "model": "account.move",
                        "res_id": move.id,
                        "record_name": move.display_name,
                        "body": Markup("<p>%s</p>")
                        % self.env._(
                            "Reminder level %(level)s sent with %(invoice)s.",
                            level=mail["stage"].level,
                            invoice=main.name,
                        ),
                        "message_type": "comment",
                        "subtype_id": note.id,
                        "is_internal": True,
                        "author_id": author.id,
                    }
                )
        if values:
            self.env["mail.message"].sudo().create(values)

    # ------------------------------------------------------------------
    # One by one
    # ------------------------------------------------------------------

    @api.model
    def _send_one(self, lines, kind="auto", pdfs=None):
        """Send one mail (or letter) for these plan lines through
        ``account.move._relance_send``, isolated in a savepoint.

        :return: (1 if the mail was handled (sent or failed) else 0, its history lines)
        """
        no_logs = self.env["relance.log"]
        if not lines:
            return 0, no_logs
        stages = self.env["relance.stage"].browse([line.stage_id for line in lines])
        moves = self.env["account.move"].browse([line.invoice_id for line in lines])
        stage_by_move = dict(zip(moves, stages, strict=True))
        top_stage = max(stages, key=lambda stage: stage.level)
        try:
            with self.env.cr.savepoint():
                logs = moves._relance_send(
                    top_stage,
                    kind,
                    stage_by_move=stage_by_move,
                    attach_pdf=top_stage.attach_invoice,
                    prepared_pdfs=pdfs,
                )
        except UserError as error:
            # template error, bad address…: recorded as failed, the others go on
            logs = self._failed(moves, top_stage, stage_by_move, kind, error)
        except psycopg2.IntegrityError:
            # another run recorded this level in the meantime: never twice
            _logger.info("Reminder of %s already sent by another run", moves.mapped("name"))
            return 0, no_logs
        return 1, logs

    @api.model
    def _failed(self, moves, stage, stage_by_move, kind, error):
        """Failed history lines for a reminder that could not be made, with the reason."""
        reason, detail = self.env["relance.log"]._failure_texts(error)
        _logger.warning("Reminder of %s failed: %s", moves.mapped("name"), reason)
        return (
            self.env["relance.log"]
            .sudo()
            .create(
                [
                    dict(vals, failure_reason=reason, failure_detail=detail)
                    for vals in moves._relance_log_values(
                        stage,
                        kind,
                        "failed",
                        ", ".join(email for email in moves.partner_id.mapped("email") if email),
                        moves._relance_subject(stage),
                        channel=stage.channel,
                        stage_by_move=stage_by_move,
                    )
                ]
            )
        )
