import json
import logging
import traceback
import uuid
from collections import defaultdict

import psycopg2
from lxml import html
from markupsafe import Markup

from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import clean_context, email_normalize, format_date, format_list
from odoo.tools.mail import email_split_and_format
from odoo.tools.safe_eval import check_values

from .. import planner as core

_logger = logging.getLogger(__name__)

# The layout every reminder mail is wrapped in (“View Invoice”, the sender's signature).
MAIL_LAYOUT = "mail.mail_notification_layout_with_responsible_signature"


class RelanceRenderError(UserError):
    """A reminder's template fails: one sentence for the person, the
    technical ``detail`` (traceback) for the server log and the history form."""

    def __init__(self, message, detail=""):
        super().__init__(message)
        self.detail = detail


class RelanceMail:
    """One reminder to make: the invoices of one customer (the first leads:
    its stage and its text), how, and to whom. The sender fills in what it
    renders (language, subject, body, From…) or the error that stops it."""

    __slots__ = (
        "attach_pdf",
        "author",
        "body",
        "cc_partners",
        "channel",
        "email_from",
        "error",
        "lang",
        "mail_server",
        "moves",
        "partners",
        "reply_to",
        "stage",
        "stage_by_move",
        "subject",
    )

    def __init__(
        self,
        moves,
        stage,
        stage_by_move=None,
        channel=None,
        partners=None,
        attach_pdf=None,
        subject=None,
        body=None,
    ):
        self.moves = moves
        self.stage = stage
        self.stage_by_move = stage_by_move or dict.fromkeys(moves, stage)
        self.channel = channel or stage.channel
        self.partners = partners if partners is not None else moves[:1].partner_id
        self.attach_pdf = stage.attach_invoice if attach_pdf is None else attach_pdf
        self.subject = subject
        self.body = body
        self.lang = None
        self.author = None
        self.email_from = None
        self.reply_to = None
        self.cc_partners = None
        self.mail_server = None
        self.error = None

    @property
    def main(self):
        return next(iter(self.moves))  # moves[0] would lose the batch's prefetching


class RelanceSender(models.AbstractModel):
    """The one sending path of reminders: the daily job, the mass action, the
    wizard (send, test, letter, record) and “Remind all late invoices” all
    come here.

    Each reminder is rendered for its own invoices, in its customer's
    language (Odoo's layout included), posted in the invoice's chatter with
    Odoo's mail API (``_message_create`` for a batch, then each message's
    mail built by ``_notify_thread_by_email``'s helpers, queued): the mail,
    its delivery notification (author, alias domain, parent, headers) are
    what ``message_post`` gives. Only the reminder's recipients are notified,
    never the invoice's other followers, on every path. A reminder that
    cannot be made (template error, no address, no sender) gets failed
    history lines with its reason; the others go on."""

    _name = "relance.sender"
    _description = "Reminder Sending Service"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _send(self, moves, stage, kind, **options):
        """One reminder of ``stage`` for ``moves`` (one customer), by hand:
        mail, letter or both. Raises what stops it (wizard)."""
        mail = RelanceMail(moves, stage, **options)
        return self._send_mails([mail], kind, raise_errors=True)

    @api.model
    def _queue(self, groups, kind="auto", pdfs=None):
        """Queue one reminder per group of plan lines (one customer each,
        locked and planned again by the caller).

        :param pdfs: the batch's invoice PDFs, see ``relance.document._prepare``
        :return: (reminders handled, their ``relance.log`` lines)
        """
        mails = self._mails_from_lines(groups)
        logs = self._send_mails(mails, kind, pdfs=pdfs)
        return self._count(mails, logs), logs

    @api.model
    def _count(self, mails, logs):
        """How many of ``mails`` got history lines (sent, queued or failed)."""
        done = set(logs.move_id.ids)
        return sum(1 for mail in mails if mail.main.id in done)

    @api.model
    def _mails_from_lines(self, groups):
        """The reminder of each group of plan lines (one customer each): the
        highest stage leads. All invoices and stages are read together."""
        groups = [lines for lines in groups if lines]
        moves_all = self.env["account.move"].browse([line.invoice_id for lines in groups for line in lines])
        stages_all = self.env["relance.stage"].browse({line.stage_id for lines in groups for line in lines})
        moves_all.fetch(["partner_id"])
        stages_all.fetch(["level", "channel", "attach_invoice", "stamp_invoice", "mail_template_id", "program_id"])
        mails = []
        for lines in groups:
            moves = moves_all.browse([line.invoice_id for line in lines]).with_prefetch(moves_all._prefetch_ids)
            stages = stages_all.browse([line.stage_id for line in lines]).with_prefetch(stages_all._prefetch_ids)
            stage_by_move = dict(zip(moves, stages, strict=True))
            top = max(stages, key=lambda stage: stage.level)
            lead = next(move for move, stage in stage_by_move.items() if stage == top)
            mails.append(RelanceMail(lead | (moves - lead), top, stage_by_move=stage_by_move))
        return mails

    @api.model
    def _send_mails(self, mails, kind, pdfs=None, raise_errors=False):
        """Make ``mails``: checks, rendering, then the chatter messages and
        their queued mails in bulk, the history lines and letters.

        :param raise_errors: raise the first error (the wizard) instead of
            recording it as a failed reminder
        :return: the ``relance.log`` lines made
        """
        logs = self.env["relance.log"]
        letters_only = [mail for mail in mails if not core.uses_email(mail.channel)]
        emails = [mail for mail in mails if core.uses_email(mail.channel)]
        for mail in mails:
            self._check(mail)
        self._render_mails([mail for mail in emails if not mail.error])
        ready = []
        for mail in mails:
            if mail.error:
                if raise_errors:
                    raise mail.error
                logs |= self._failed(mail, kind)
            elif core.uses_email(mail.channel):
                ready.append(mail)
        for mail in letters_only:
            if mail.error:
                continue
            try:
                with self.env.cr.savepoint():
                    logs |= self._send_letter(mail, kind)
            except psycopg2.IntegrityError:
                # another run recorded this level in the meantime: never twice
                _logger.info("Reminder letter of %s already made by another run", mail.moves.mapped("name"))
                self.env.invalidate_all()
        if not ready:
            return logs
        try:
            with self.env.cr.savepoint():
                logs |= self._post(ready, kind, pdfs)
        except psycopg2.IntegrityError:
            if len(ready) == 1:
                # another run recorded this level in the meantime: never twice
                _logger.info("Reminder of %s already sent by another run", ready[0].moves.mapped("name"))
                return logs
            # a level recorded meanwhile by another run: one by one, each isolated
            _logger.info("Bulk queuing of %s reminders refused: queuing them one by one", len(ready))
            self.env.invalidate_all()
            for mail in ready:
                try:
                    with self.env.cr.savepoint():
                        logs |= self._post([mail], kind, pdfs)
                except psycopg2.IntegrityError:
                    _logger.info("Reminder of %s already sent by another run", mail.moves.mapped("name"))
                    self.env.invalidate_all()
        return logs

    # ------------------------------------------------------------------
    # Checks and rendering
    # ------------------------------------------------------------------

    @api.model
    def _check(self, mail):
        """What must hold before a reminder is rendered: a postal address for
        a letter, a valid email for each recipient of a mail."""
        try:
            if core.uses_letter(mail.channel):
                self._check_address(mail.main.partner_id)
            if core.uses_email(mail.channel):
                if not mail.partners:
                    raise UserError(self.env._("Add at least one recipient."))
                self._check_partners(mail.partners)
        except UserError as error:
            mail.error = error

    @api.model
    def _check_partners(self, partners):
        bad = partners.filtered(lambda p: not p._relance_emails())
        if bad:
            raise UserError(
                self.env._(
                    "No valid email address for %(partners)s: enter one on the contact, or choose another recipient.",
                    partners=", ".join(bad.mapped("display_name")),
                )
            )

    @api.model
    def _check_address(self, partner):
        if not partner._relance_has_postal_address():
            raise UserError(
                self.env._(
                    "No postal address for %(partner)s: enter its street and city on the contact "
                    "to send it a reminder letter.",
                    partner=partner.display_name,
                )
            )

    @api.model
    def _lang(self, moves, template):
        """{invoice: language of its reminder}: the template's language
        expression, else the customer's, for all of them at once."""
        langs = template._render_lang(moves.ids) if template and moves else {}
        return {move: langs.get(move.id) or move.partner_id.lang or self.env.lang or "en_US" for move in moves}

    @api.model
    def _subject(self, moves, stage, lang, stage_by_move=None):
        """The reminder's subject in ``lang``: the stage's, #REF# replaced by
        the invoice's number; one subject in the plural for several invoices."""
        env = self.with_context(lang=lang).env
        subject = stage.with_context(lang=lang).subject or ""
        if len(moves) == 1:
            return subject.replace("#REF#", moves.name or "")
        numbers = format_list(env, sorted(moves.mapped("name")), lang_code=lang)
        # the stage's own words before a colon (“Second reminder: …”) lead the plural subject
        # when every invoice is at that stage: an invoice at a lower one is never called formally noticed
        prefix, colon, rest = subject.partition(":")
        same_stage = all(stage == stage_ for stage_ in (stage_by_move or {}).values())
        if same_stage and colon and "#REF#" in rest and "#REF#" not in prefix and prefix.strip():
            return env._("%(prefix)s: invoices %(numbers)s remain unpaid", prefix=prefix.strip(), numbers=numbers)
        return env._("Invoices %(numbers)s remain unpaid", numbers=numbers)

    @api.model
    def _not_due_subject(self, move, lang):
        """A subject that tells the truth for an invoice not overdue yet."""
        env = self.with_context(lang=lang).env
        return env._(
            "Invoice %(invoice)s is due on %(date)s",
            invoice=move.name,
            date=format_date(env, move.relance_due_date or move.invoice_date_due, lang_code=lang),
        )

    @api.model
    def _render(self, moves, stage, lang=None, letter=False, current_log_ids=(), stage_by_move=None):
        """(subject, body) of the reminder of ``stage`` for ``moves`` (one
        customer), in its customer's language; ``stage_by_move`` gives each
        invoice the level it is reminded at when they differ.

        :raise RelanceRenderError: the template fails, with what to fix
        """
        mail = RelanceMail(moves, stage, stage_by_move=stage_by_move)
        mail.lang = lang
        self._render_mails([mail], letter=letter, current_log_ids=current_log_ids, settings=False)
        if mail.error:
            raise mail.error
        return mail.subject, mail.body

    @api.model
    def _render_mails(self, mails, letter=False, current_log_ids=(), settings=True):
        """Render each mail for its own invoices, in its customer's language:
        subject, body (the stage's fee sentence included) and, with
        ``settings``, its sender and the template's From, Reply-To, Cc and
        mail server. A failure is logged and set on that mail only."""
        if not mails:
            return
        moves = self.env["account.move"].union(*(mail.moves for mail in mails))
        self._ensure_tokens(moves)
        self._warm(moves)
        by_template = defaultdict(list)
        for mail in mails:
            if mail.subject is None or mail.body is None or settings:
                by_template[mail.stage.mail_template_id].append(mail)
        for template, template_mails in by_template.items():
            mains = self.env["account.move"].union(*(mail.main for mail in template_mails))
            langs = self._lang(mains, template)
            buckets = defaultdict(list)
            for mail in template_mails:
                mail.lang = mail.lang or langs[mail.main]
                buckets[mail.lang].append(mail)
            for lang, lang_mails in buckets.items():
                todo = [mail for mail in lang_mails if mail.body is None]
                bodies = self._render_bodies(template, lang, todo, letter, current_log_ids)
                for mail in lang_mails:
                    if mail.body is None:
                        result = bodies[id(mail)]
                        if isinstance(result, Exception):
                            mail.error = self._render_error(template, mail, result)
                            continue
                        env_lang = mail.moves.with_context(lang=lang)
                        body = env_lang._relance_add_fee_text(mail.stage, result)
                        mail.body = mail.main.with_context(lang=lang)._relance_add_answer_link(body, letter)
                    if mail.subject is None:
                        mail.subject = self._subject(mail.moves, mail.stage, lang, mail.stage_by_move)
                if settings:
                    self._render_settings(template, lang, [mail for mail in lang_mails if not mail.error])

    @api.model
    def _render_bodies(self, template, lang, mails, letter, current_log_ids):
        """{id(mail): body or the exception} of ``template`` in ``lang``.

        The body is compiled once for all (Odoo compiles a mail template's
        QWeb again for every record, which costs more than everything else of
        a mail), then each mail is rendered on its own, with a copy of the
        values and its invoice as ``object``, as ``ir.qweb._render`` does: a
        value one mail sets never reaches another one. The result equals
        ``template._render_field("body_html", ...)`` for that invoice."""
        if not mails:
            return {}
        if not template:
            return {id(mail): Markup("") for mail in mails}
        template = template.with_context(lang=lang)
        source = template.body_html or ""
        base_values = template._render_eval_context()
        options = {
            key: value
            for key, value in getattr(template._fields["body_html"], "render_options", {}).items()
            if key != "post_process"
        }
        qweb = self.env["ir.qweb"].with_context(lang=lang, **options)
        try:
            functions, name = qweb._compile(html.fragment_fromstring(source, create_parent="div"))
        except Exception as error:  # a template that does not even compile fails each of its mails
            return {id(mail): error for mail in mails}
        rendered = {}
        for mail in mails:
            record = mail.main.with_prefetch(mail.moves._prefetch_ids).with_context(
                lang=lang,
                relance_move_ids=mail.moves.ids,
                relance_mail_levels=tuple((move.id, stage.level) for move, stage in mail.stage_by_move.items()),
                relance_letter=letter,
                relance_current_log_ids=tuple(current_log_ids),
            )
            values = dict(base_values, object=record, ctx=record.env.context)
            try:
                renderer = qweb._prepare_environment(values)
                check_values(values)
                output = "".join(functions[name](renderer, values))[5:-6]  # the <div> wrapper
                rendered[id(mail)] = template._render_template_postprocess(
                    "account.move", {mail.main.id: Markup(output)}
                )[mail.main.id]
            except Exception as error:  # told on that mail only, see _render_error
                rendered[id(mail)] = error
        return rendered

    @api.model
    def _warm(self, moves):
        """Read what the templates read of a batch's invoices in a few queries
        for all of them: each mail is then rendered with its own invoices as
        prefetch set (the values that depend on the mail, like the invoices
        it lists, are computed for its invoices only)."""
        moves.fetch(
            ["name", "partner_id", "company_id", "currency_id", "partner_bank_id", "invoice_user_id", "access_token"]
        )
        moves.partner_id.fetch(["name", "lang", "parent_id", "email", "commercial_partner_id"])
        moves.partner_id.parent_id.fetch(["name"])
        moves.relance_log_ids.fetch(["kind", "state", "level", "date"])
        moves.invoice_user_id.fetch(["active", "share", "partner_id"])
        moves.line_ids.fetch(["display_type", "date_maturity", "reconciled", "amount_residual_currency"])

    @api.model
    def _ensure_tokens(self, moves):
        """The portal access tokens of these invoices (the mail's “View
        Invoice” and portal links), in one query: ``_portal_ensure_token``
        writes them one by one through ``account.move.write``, which re-checks
        each invoice's lines. A token is a plain column nothing depends on."""
        missing = moves.filtered(lambda move: not move.access_token)
        if not missing:
            return
        tokens = {str(move.id): str(uuid.uuid4()) for move in missing}
        self.env.cr.execute(
            "UPDATE account_move SET access_token = %s::jsonb ->> id::text WHERE id IN %s AND access_token IS NULL",
            [json.dumps(tokens), tuple(missing.ids)],
        )
        missing.invalidate_recordset(["access_token"])

    @api.model
    def _render_error(self, template, mail, error):
        _logger.warning(
            "Reminder template %s (level %s) failed for %s",
            template.display_name,
            mail.stage.level,
            mail.main.name,
            exc_info=error,
        )
        return RelanceRenderError(
            self.env._(
                "The mail template “%(template)s” of reminder level %(level)s cannot be rendered "
                "for %(invoice)s: fix the template (Settings > Technical > Email Templates).",
                template=template.display_name,
                level=mail.stage.level,
                invoice=mail.main.display_name,
            ),
            detail="".join(traceback.format_exception(error)),
        )

    @api.model
    def _render_settings(self, template, lang, mails):
        """Sender, From, Reply-To, Cc and mail server of ``mails``: the
        template's own when it sets them, else the product's rule (the
        salesperson when a real person can answer, else the company)."""
        if not mails:
            return
        mains = self.env["account.move"].union(*(mail.main for mail in mails))
        template = template.with_context(lang=lang)
        rendered = {}
        for field in ("email_from", "reply_to", "email_cc"):
            if template and template[field]:
                try:
                    rendered[field] = template._render_field(field, mains.ids)
                except Exception as error:
                    rendered[field] = error
        for mail in mails:
            try:
                self._apply_settings(template, mail, rendered)
            except UserError as error:
                mail.error = error

    @api.model
    def _apply_settings(self, template, mail, rendered):
        main = mail.main
        mail.author, default_from = self._sender(main)

        def value(field):
            result = rendered.get(field)
            if isinstance(result, Exception):
                raise self._setting_error(template, mail, field)
            return (result or {}).get(main.id) or ""

        email_from = value("email_from")
        if template.email_from:
            if not email_split_and_format(email_from) or not email_normalize(email_from):
                raise self._setting_error(template, mail, "email_from")
            mail.email_from = email_from
            user = main.relance_sender_user_id
            if not (user and email_normalize(email_from) == email_normalize(user.email or "")):
                mail.author = main.company_id.partner_id
        else:
            mail.email_from = default_from
        reply_to = value("reply_to")
        if template.reply_to and not email_split_and_format(reply_to):
            raise self._setting_error(template, mail, "reply_to")
        mail.reply_to = reply_to or mail.email_from
        cc = email_split_and_format(value("email_cc"))
        partners = self.env["res.partner"]
        mail.cc_partners = partners.union(*partners.sudo()._find_or_create_from_emails(cc)) if cc else partners
        mail.mail_server = template.mail_server_id

    @api.model
    def _setting_error(self, template, mail, field):
        return UserError(
            self.env._(
                "The “%(field)s” of the mail template “%(template)s” gives no valid address for %(invoice)s: "
                "fix the template (Settings > Technical > Email Templates).",
                field=template._fields[field].get_description(self.env)["string"],
                template=template.display_name,
                invoice=mail.main.display_name,
            )
        )

    @api.model
    def _sender(self, move):
        """(author partner, email_from) of a reminder of ``move``: the
        salesperson when a real person can answer, else the company; never
        a bot."""
        user = move.relance_sender_user_id
        if user:
            return user.partner_id, user.email_formatted
        company = move.company_id
        if not email_normalize(company.email or ""):
            raise UserError(
                self.env._(
                    "%(company)s has no email address, and the salesperson of %(invoice)s cannot send reminders: "
                    "enter the company's email (Settings > Companies) or a salesperson with an email address.",
                    company=company.display_name,
                    invoice=move.display_name,
                )
            )
        return company.partner_id, company.email_formatted

    @api.model
    def _dry_run(self, mails):
        """Render ``mails`` as the run will, keep nothing (portal tokens the
        rendering may write are rolled back): {invoice id: error sentence}
        of those that fail."""
        failures = {}

        class DryRun(Exception):
            pass

        try:
            with self.env.cr.savepoint():
                self._render_mails(mails)
                for mail in mails:
                    if mail.error:
                        reason = self.env["relance.log"]._failure_texts(mail.error)[0]
                        for move in mail.moves:
                            failures[move.id] = reason
                raise DryRun
        except DryRun:
            self.env.invalidate_all()
        return failures

    # ------------------------------------------------------------------
    # Records
    # ------------------------------------------------------------------

    @api.model
    def _post(self, mails, kind, pdfs):
        """The messages of rendered ``mails`` in the invoices' chatter and
        their queued mails, through Odoo's mail API, then the history lines
        and letters. Raises on a database error (the caller isolates it)."""
        env = self.env
        Move = env["account.move"]
        mains = Move.union(*(mail.main for mail in mails))
        attachments, documents = env["relance.document"]._mail_attachments(mails, pdfs)
        alias_domains = mains.sudo()._mail_get_alias_domains(default_company=env.company)
        parents = self._thread_parents(mains)
        values_list = []
        for index, mail in enumerate(mails):
            main = mail.main
            values_list.append(
                {
                    **self._message_values(mail, documents, mail.partners | mail.cc_partners),
                    "record_company_id": main.company_id.id,
                    "record_alias_domain_id": alias_domains[main.id].id,
                    "parent_id": parents.get(main.id, False),
                    "reply_to_force_new": False,
                    "attachment_ids": [Command.link(attachment.id) for attachment in attachments[index]],
                }
            )
        messages = Move.sudo()._message_create(values_list)
        recipients = env["mail.followers"]._get_recipient_data(
            None, "comment", False, pids=list({pid for values in values_list for pid in values["partner_ids"]})
        )[0]
        outgoing = self._notify_by_email(mails, messages, values_list, recipients)
        self._notes(mails)
        mail_by_message = {mail.mail_message_id.id: mail for mail in outgoing}
        log_values = []
        for mail, message in zip(mails, messages, strict=True):
            for vals in self._log_values(mail, kind, "queued", mail.partners._relance_recipients_text()):
                vals.update(
                    mail_id=mail_by_message.get(message.id, env["mail.mail"]).id,
                    mail_message_id=message.id,
                    document=documents.get(vals["move_id"], False),
                )
                log_values.append(vals)
        logs = env["relance.log"].sudo().create(log_values)
        letters = logs.filtered(lambda log: core.uses_letter(log.channel))
        if letters and not env.context.get("relance_defer_letters"):
            letters._make_letters()  # the daily job makes its letters per batch
        self._trigger_mail_queue()
        return logs

    @api.model
    def _message_values(self, mail, documents, partners):
        """The values of a reminder's message, as ``message_post`` takes them:
        the chatter's message of a sent reminder, and the test's unsaved one."""
        main = mail.main
        return {
            "model": "account.move",
            "res_id": main.id,
            "record_name": main.display_name,
            "body": self._with_documents(mail, documents),
            "subject": mail.subject,
            "author_id": mail.author.id,
            "email_from": mail.email_from,
            "reply_to": mail.reply_to,
            "mail_server_id": mail.mail_server.id or False,
            "message_type": "comment",
            "subtype_id": self.env.ref("mail.mt_comment").id,
            "is_internal": False,
            "email_layout_xmlid": MAIL_LAYOUT,
            "email_add_signature": False,
            "partner_ids": partners.ids,
        }

    @api.model
    def _notify_by_email(self, mails, messages, values_list, recipients):
        """Queue the mail of each message to its recipients: what
        ``mail.thread._notify_thread_by_email`` does for one message (with
        ``force_send=False``), for a batch. Each mail is built by the same
        helpers, in its customer's language (``force_email_lang``, the
        invoice type named in it for “View Invoice”); only the creation of
        the mails and their notifications is done in one insert each for the
        batch, instead of two per message, which halves the queries of a
        reminder. Tested field by field against ``message_post``.

        :return: the queued ``mail.mail``
        """
        type_names = self._type_names(mails)
        mail_values, notified = [], []
        for mail, message, values in zip(mails, messages, values_list, strict=True):
            main = mail.main.with_context(lang=mail.lang)
            # the reminder's recipients only, by email whatever their preferences: not an inbox note
            recipients_data = [dict(recipients[pid], notif="email") for pid in values["partner_ids"]]
            msg_vals = dict(values)  # as message_post gives them to _notify_thread
            base = main._notify_by_email_get_base_mail_values(message, additional_values={"auto_delete": False})
            for __, render_values, group in main._notify_get_classified_recipients_iterator(
                message,
                recipients_data,
                msg_vals=msg_vals,
                model_description=type_names[main.id],
                force_email_lang=mail.lang,
            ):
                body = main._notify_by_email_render_layout(
                    message, group, msg_vals=msg_vals, render_values=render_values
                )
                partner_ids = group.pop("recipients")
                mail_values.append(
                    main._notify_by_email_get_final_mail_values(
                        partner_ids, base, additional_values={"body_html": body}
                    )
                )
                notified.append((message, partner_ids))
        outgoing = self.env["mail.mail"].sudo().with_context(clean_context(self.env.context)).create(mail_values)
        self.env["mail.notification"].sudo().with_context(clean_context(self.env.context)).create(
            [
                {
                    "author_id": message.author_id.id,
                    "is_read": True,  # no inbox notification
                    "mail_mail_id": outgoing_mail.id,
                    "mail_message_id": message.id,
                    "notification_status": "ready",
                    "notification_type": "email",
                    "res_partner_id": partner_id,
                }
                for outgoing_mail, (message, partner_ids) in zip(outgoing, notified, strict=True)
                for partner_id in partner_ids
            ]
        )
        return outgoing

    @api.model
    def _with_documents(self, mail, documents):
        """The mail's body, closed by the files it carries (“Attached:
        INV_2026_00001 (reminder).pdf, copy of the invoice sent on
        10/15/2026.”), in the customer's language."""
        notes = [documents[move.id] for move in mail.moves if move.id in documents]
        body = Markup(mail.body)
        if not notes:
            return body
        env = self.with_context(lang=mail.lang).env
        return Markup("%s<p>%s</p>") % (body, env._("Attached: %s.", "; ".join(notes)))

    @api.model
    def _thread_parents(self, moves):
        """{invoice id: first message of its thread}: the parent
        ``_message_compute_parent_id`` gives a new message of a flat thread,
        for a batch in one query."""
        if not moves:
            return {}
        self.env["mail.message"].flush_model(["model", "res_id", "message_type"])
        self.env.cr.execute(
            """
            SELECT res_id, MIN(id) FROM mail_message
             WHERE model = 'account.move' AND res_id IN %s AND message_type != 'user_notification'
             GROUP BY res_id
            """,
            [tuple(moves.ids)],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _type_names(self, mails):
        """{invoice id: its type (“Invoice”, “Facture”) in its reminder's
        language}. ``type_name`` has no ``depends_context``: it is computed
        again for each language."""
        result = {}
        by_lang = defaultdict(list)
        for mail in mails:
            by_lang[mail.lang].append(mail.main.id)
        for lang, ids in by_lang.items():
            moves = self.env["account.move"].browse(ids).with_context(lang=lang)
            moves.invalidate_recordset(["type_name"])
            result.update({move.id: move.type_name for move in moves})
            moves.invalidate_recordset(["type_name"])
        return result

    @api.model
    def _trigger_mail_queue(self):
        """Ask the mail queue to run now rather than at its next hourly call."""
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _notes(self, mails):
        """The note on the other invoices of a mail that covers several."""
        note = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        values = []
        for mail in mails:
            main = mail.main
            for move in mail.moves - main:
                values.append(
                    {
                        "model": "account.move",
                        "res_id": move.id,
                        "record_name": move.display_name,
                        "body": Markup("<p>%s</p>")
                        % self.env._(
                            "Reminder level %(level)s sent with %(invoice)s.",
                            level=mail.stage_by_move[move].level,
                            invoice=main.name,
                        ),
                        "message_type": "comment",
                        "subtype_id": note.id,
                        "is_internal": True,
                        "author_id": author.id,
                    }
                )
        if values:
            self.env["account.move"].sudo()._message_create(values)

    @api.model
    def _log_values(self, mail, kind, state, recipient, subject=None, channel=None):
        """History lines of a reminder: each invoice its own level, and the
        instalment it is about (an invoice in instalments)."""
        instalments = mail.moves._relance_instalments()
        return [
            {
                "move_id": move.id,
                "partner_id": move.commercial_partner_id.id,
                "company_id": move.company_id.id,
                "program_id": mail.stage_by_move.get(move, mail.stage).program_id.id,
                "stage_id": mail.stage_by_move.get(move, mail.stage).id,
                "level": mail.stage_by_move.get(move, mail.stage).level,
                "date": move.company_id._relance_today(),
                "kind": kind,
                "channel": channel or mail.channel,
                "state": state,
                "recipient": recipient,
                "subject": mail.subject if subject is None else subject,
                "amount_residual": move.amount_residual,
                "instalment_due_date": instalments[move.id][0] if move.id in instalments else False,
                "instalment_amount": instalments[move.id][1] if move.id in instalments else False,
            }
            for move in mail.moves
        ]

    @api.model
    def _failed(self, mail, kind):
        """Failed history lines for a reminder that could not be made, with the reason."""
        reason, detail = self.env["relance.log"]._failure_texts(mail.error)
        _logger.warning("Reminder of %s failed: %s", mail.moves.mapped("name"), reason)
        lang = mail.lang or mail.main.partner_id.lang or "en_US"
        subject = mail.subject or self._subject(mail.moves, mail.stage, lang, mail.stage_by_move)
        recipient = ", ".join(email for email in mail.partners.mapped("email") if email)
        return (
            self.env["relance.log"]
            .sudo()
            .create(
                [
                    dict(vals, failure_reason=reason, failure_detail=detail)
                    for vals in self._log_values(mail, kind, "failed", recipient, subject)
                ]
            )
        )

    # ------------------------------------------------------------------
    # Letters, tests, records
    # ------------------------------------------------------------------

    @api.model
    def _send_letter(self, mail, kind):
        """The reminder as a letter only: generated, stored on the history
        lines and waiting there to be printed and posted."""
        main = mail.main
        lang = self._lang(main, mail.stage.mail_template_id)[main]
        mail.subject = self._subject(mail.moves, mail.stage, lang, mail.stage_by_move)
        address_lines = main.partner_id._display_address(without_company=False).splitlines()
        address = ", ".join(line.strip() for line in address_lines if line.strip())
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(self._log_values(mail, kind, "to_print", address, channel=core.CHANNEL_LETTER))
        )
        # the note first: the letter covers the lines of one message
        logs.mail_message_id = self._post_note(
            main,
            self.env._(
                "Reminder letter level %(level)s generated, to print from the Reminder History.",
                level=mail.stage.level,
            ),
        )
        for move in mail.moves - main:
            self._post_note(
                move,
                self.env._(
                    "Reminder letter level %(level)s made with %(invoice)s.", level=mail.stage.level, invoice=main.name
                ),
            )
        if not self.env.context.get("relance_defer_letters"):
            logs._make_letters()  # the daily job makes its letters per batch
        return logs

    @api.model
    def _post_note(self, move, body):
        return move.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")

    @api.model
    def _send_test(self, moves, stage, subject=None, body=None, attach_pdf=True, channel=None):
        """The reminder of ``stage`` to the current user only: it never counts
        as a stage and is not posted on the invoice. A letter is generated
        and attached to the test mail. Leaves at once (the mail queue is
        asked to run)."""
        user = self.env.user
        if not email_normalize(user.email or ""):
            raise UserError(
                self.env._("Your user has no valid email address: set one in your preferences to receive tests.")
            )
        mail = RelanceMail(moves, stage, channel=channel, partners=user.partner_id, subject=subject, body=body)
        self._render_mails([mail])
        if mail.error:
            raise mail.error
        subject = self.env._("[Test] %s", mail.subject)
        pdfs = self.env["relance.document"]._pdf_attachments(moves, stamp=stage.stamp_invoice) if attach_pdf else []
        attachments = [(name, raw) for name, raw, __ in pdfs]
        documents = {move.id: note for move, (__, __, note) in zip(moves, pdfs, strict=False)}
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(self._log_values(mail, "test", "queued", user.email_formatted, subject=subject))
        )
        if core.uses_letter(mail.channel):
            letter = logs._make_letters()
            attachments.append((letter.name, letter.raw))
        outgoing = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "body_html": self._test_body(mail, documents),
                    "author_id": mail.author.id,
                    "email_from": mail.email_from,
                    "reply_to": mail.reply_to,
                    "mail_server_id": mail.mail_server.id or False,
                    # one copy: recipient_ids alone (email_to as well would send a second one)
                    "recipient_ids": [Command.link(user.partner_id.id)],
                    "auto_delete": False,
                    "attachment_ids": [
                        Command.create({"name": name, "raw": raw, "res_model": "mail.mail"})
                        for name, raw in attachments
                    ],
                }
            )
        )
        logs.mail_id = outgoing
        self._trigger_mail_queue()
        return logs

    @api.model
    def _test_body(self, mail, documents):
        """The test mail's body: the mail the customer receives, in Odoo's
        layout as the customer gets it (its “View Invoice” button, the
        sender's signature, the company's footer), under a banner saying it
        is a test sent to the user only."""
        main = mail.main.with_context(lang=mail.lang)
        customer = main.partner_id
        values = self._message_values(mail, documents, customer)
        message = self.env["mail.message"].sudo().new(values)  # never saved: nothing in the chatter
        recipients = self.env["mail.followers"]._get_recipient_data(None, "comment", False, pids=customer.ids)[0]
        body = values["body"]
        for __, render_values, group in main._notify_get_classified_recipients_iterator(
            message,
            [dict(recipients[customer.id], notif="email")] if customer.id in recipients else [],
            msg_vals=dict(values),
            model_description=self._type_names([mail])[main.id],
            force_email_lang=mail.lang,
        ):
            body = main._notify_by_email_render_layout(
                message, group, msg_vals=dict(values), render_values=render_values
            )
            break
        banner = self.with_context(lang=self.env.user.lang or mail.lang).env._(
            "Test — sent to you only: this is the mail %s would receive, without this banner.", customer.display_name
        )
        return Markup(
            '<div class="o_relance_test_banner" style="margin: 0 0 12px 0; padding: 8px 12px; '
            'background-color: #fff3cd; border: 1px solid #ffe69c; color: #664d03; font-size: 13px;">%s</div>'
        ) % banner + Markup(body)

    @api.model
    def _record(self, moves, stage, note=None, channel="other", stage_by_move=None):
        """A reminder made outside Odoo (a phone call…): counts as its level."""
        mail = RelanceMail(moves, stage, stage_by_move=stage_by_move, channel=channel)
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(
                [
                    dict(vals, note=note or False)
                    for vals in self._log_values(mail, "manual", "recorded", False, subject=False)
                ]
            )
        )
        for move in moves:
            self._post_note(
                move,
                self.env._(
                    "Reminder level %(level)s recorded without sending%(note)s.",
                    level=mail.stage_by_move.get(move, stage).level,
                    note=f": {note}" if note else "",
                ),
            )
        return logs
