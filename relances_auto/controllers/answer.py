import base64
import datetime

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools import consteq, format_amount, format_date
from odoo.tools.mimetypes import guess_mimetype

from .. import planner as core

# what a customer may attach as a proof of payment
PROOF_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
PROOF_MAX_BYTES = 5 * 1024 * 1024
# answers per invoice and day, beyond which the page asks to write instead
ANSWERS_PER_DAY = 5


class RelanceAnswerPage(http.Controller):
    """The page a reminder's link opens: the customer's late invoices of that
    company, and its answers (pay now, already paid, a promise, a dispute).
    No login: the invoice's portal token. A wrong or old token is a 404, the
    page shows nothing of another customer or company, changes are POSTs with
    Odoo's CSRF token."""

    def _invoice(self, move_id, access_token):
        move = request.env["account.move"].sudo().browse(move_id).exists()
        if not move or move.move_type != "out_invoice" or move.state != "posted":
            raise NotFound()
        if not (access_token and move.access_token and consteq(move.access_token, access_token)):
            # no valid token: a logged-in portal user of that customer sees the same page
            user = request.env.user
            if user._is_public():
                raise NotFound()
            try:
                move.with_user(user).check_access("read")
            except AccessError:
                raise NotFound() from None
        # the customer's language, unless the visitor chose one (the language
        # selector's links carry it in the URL: /en/relances/answer/…)
        lang = self._chosen_lang() or move.partner_id.lang or move.commercial_partner_id.lang
        if lang and request.env["res.lang"]._lang_get(lang):
            request.update_context(lang=lang)
        return move.with_context(lang=request.env.lang)

    @staticmethod
    def _chosen_lang():
        """The language in the URL the visitor opened, if any."""
        requested = getattr(request, "lang", None)
        uri = request.httprequest.environ.get("REQUEST_URI") or ""
        if requested and uri.startswith(f"/{requested.url_code}/"):
            return requested.code
        return None

    @staticmethod
    def _localized(env, url):
        """``url`` in the page's language: Odoo's portal pages read it from the URL."""
        lang = env["res.lang"]._get_data(code=env.lang)
        return f"/{lang.url_code}{url}" if lang and lang.url_code else url

    def _values(self, move, **extra):
        env = move.env
        late = env["account.move"].search(
            [
                ("commercial_partner_id", "=", move.commercial_partner_id.id),
                ("company_id", "=", move.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", tuple(core.REMINDABLE_PAYMENT_STATES)),
                ("relance_due_date", "<", move.company_id._relance_today()),
            ],
            order="relance_due_date, id",
        )
        today = move.company_id._relance_today()
        limit = self._promise_limit(move)
        answers = {
            answer.move_id.id: answer
            for answer in env["relance.answer"]
            .sudo()
            .search([("move_id", "in", late.ids), ("state", "=", "open")], order="create_date, id")
        }
        current = answers.get(move.id)
        providers = (
            env["payment.provider"]
            .sudo()
            .search_count([("state", "in", ("enabled", "test")), ("company_id", "=", move.company_id.id)])
            if "payment.provider" in env
            else 0
        )
        return {
            "move": move,
            "title": env._("Invoices from %s", move.company_id.name),
            "company": move.company_id,
            "res_company": move.company_id,  # the layout's logo and footer: the invoice's company
            "customer": move.commercial_partner_id,
            # one sentence, so that a translation puts its own punctuation around the name
            "intro": env._(
                "%(customer)s: the invoices below are past their due date.", customer=move.commercial_partner_id.name
            ),
            "rows": [
                {
                    "name": invoice.name,
                    "date": format_date(env, invoice.invoice_date),
                    "due": format_date(env, invoice.relance_due_date),
                    "late": invoice.relance_late_text
                    or format_amount(env, invoice.amount_residual, invoice.currency_id),
                    "pdf": self._localized(env, invoice.get_portal_url(report_type="pdf", download=True)),
                    # each invoice is answered on its own page; what was answered for it, if anything
                    "url": self._localized(env, invoice._relance_answer_url().replace(invoice.get_base_url(), "")),
                    "answer": answers[invoice.id].with_env(env)._confirmation() if invoice.id in answers else "",
                    "current": invoice == move,
                }
                for invoice in late
            ],
            "paid": move.payment_state in ("paid", "in_payment", "reversed"),
            "paid_text": env._("Invoice %s is paid: thank you.", move.name),
            "pay_url": self._localized(env, move.get_portal_url()) if providers else False,
            "current": (
                env._(
                    "You answered on %(date)s: %(answer)s. You can change your answer below.",
                    date=format_date(env, current.create_date),
                    answer=current.with_env(env)._confirmation(),
                )
                if current
                else ""
            ),
            "posted": {},
            "today": fields.Date.to_string(today),
            "latest": fields.Date.to_string(today + datetime.timedelta(days=limit)),
            "limit": limit,
            "access_token": move._portal_ensure_token(),
            "reasons": move.env["relance.answer"]._fields["reason"]._description_selection(env),
            **extra,
        }

    @http.route(
        "/relances/answer/<int:move_id>", type="http", auth="public", methods=["GET"], website=True, sitemap=False
    )
    def answer_page(self, move_id, access_token=None, answered=None, **kwargs):
        move = self._invoice(move_id, access_token)
        done = False
        if answered and answered.isdigit():  # back from an answer (post/redirect/get)
            answer = move.env["relance.answer"].sudo().browse(int(answered)).exists()
            if answer.move_id == move:
                done = answer.with_env(move.env)._confirmation()
        return request.render("relances_auto.answer_page", self._values(move, done=done))

    @http.route(
        "/relances/answer/<int:move_id>", type="http", auth="public", methods=["POST"], website=True, sitemap=False
    )
    def answer_submit(self, move_id, access_token=None, kind=None, **post):
        move = self._invoice(move_id, access_token)
        env = move.env
        error = self._check(move, kind, post)
        if error:
            return request.render("relances_auto.answer_page", self._values(move, error=error, posted=post))
        values = {
            "move_id": move.id,
            "partner_id": (move.partner_id or move.commercial_partner_id).id,
            "kind": kind,
            "note": (post.get("note") or "").strip()[:2000] or False,
        }
        if kind == "promise":
            values["promised_date"] = post["promised_date"]
        elif kind == "paid":
            values["payment_date"] = post["payment_date"]
        else:
            values["reason"] = post["reason"]
        proof = post.get("proof")
        if proof and getattr(proof, "filename", None):
            content = proof.read()
            values["attachment_ids"] = [
                (
                    0,
                    0,
                    {
                        "name": proof.filename[:100],
                        "datas": base64.b64encode(content),
                        "res_model": "account.move",
                        "res_id": move.id,
                    },
                )
            ]
        answer = self._same_answer(move, values) or env["relance.answer"].sudo().create(values)
        # post/redirect/get: reloading the page does not answer again
        path = (request.httprequest.environ.get("REQUEST_URI") or request.httprequest.path).split("?")[0]
        return request.redirect(f"{path}?access_token={move.access_token}&answered={answer.id}", local=True)

    @staticmethod
    def _same_answer(move, values):
        """The open answer that already says this (the form sent twice): no
        second answer, no second activity."""
        fields_compared = ("kind", "promised_date", "payment_date", "reason", "note")
        for answer in move.relance_answer_ids.sudo().filtered(lambda answer: answer.state == "open"):
            if all((answer[name] or False) == (values.get(name) or False) for name in fields_compared):
                return answer
        return None

    def _check(self, move, kind, post):
        """What is wrong with the answer, in the customer's language (None: nothing)."""
        env = move.env
        if move.payment_state in ("paid", "in_payment", "reversed"):
            return env._("This invoice is paid: thank you, there is nothing to answer.")
        since = fields.Datetime.now() - datetime.timedelta(days=1)
        if env["relance.answer"].sudo().search_count([("move_id", "=", move.id), ("create_date", ">=", since)]) >= (
            ANSWERS_PER_DAY
        ):
            return env._("This invoice has received many answers today: please write to us instead.")
        if kind not in ("paid", "promise", "dispute"):
            return env._("Choose an answer.")
        today = move.company_id._relance_today()
        if kind == "promise":
            promised = self._date(post.get("promised_date"))
            limit = self._promise_limit(move)
            if not promised or promised < today:
                return env._("Give the date you will pay by: today or later.")
            if promised > today + datetime.timedelta(days=limit):
                return env._("A payment date within %s days, please; for a longer delay, write to us.", limit)
            post["promised_date"] = promised
        if kind == "paid":
            paid = self._date(post.get("payment_date"))
            if not paid or paid > today:
                return env._("Give the date of your payment: today or earlier.")
            post["payment_date"] = paid
        if kind == "dispute":
            if post.get("reason") not in dict(env["relance.answer"]._fields["reason"].selection):
                return env._("Say why you dispute the invoice.")
            if not (post.get("note") or "").strip():
                return env._("Tell us what is wrong, in a few words.")
        proof = post.get("proof")
        if proof and getattr(proof, "filename", None):
            content = proof.read()
            proof.seek(0)
            if len(content) > PROOF_MAX_BYTES:
                return env._("The file is too large: 5 MB at most.")
            if guess_mimetype(content) not in PROOF_TYPES:
                return env._("Attach a PDF, PNG or JPEG file.")
        return None

    @staticmethod
    def _promise_limit(move):
        """How many days ahead the customer may promise to pay (its program's limit)."""
        program = move._relance_stage_program()
        return (program.promise_max_days if program else 0) or 30

    @staticmethod
    def _date(value):
        try:
            return fields.Date.to_date(value) if value else None
        except ValueError:
            return None
