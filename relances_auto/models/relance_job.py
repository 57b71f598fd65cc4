import logging
import threading
import time
from collections import defaultdict
from contextlib import contextmanager

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from .. import params
from .. import planner as core

_logger = logging.getLogger(__name__)

# How much one call of the job does (system parameters, see params.py): a
# batch of customers, committed in chunks, for at most a time budget (PDFs,
# stamped invoices and letters, take about a second each, and a cron worker is
# killed after limit_time_real_cron); the cron calls again while work remains.


class RelanceJob(models.AbstractModel):
    """The daily job: once a day per company, at its sending hour, mail the
    simulation digest, then send the automatic reminders of the same plan.

    Safe to run twice, to crash halfway and run again, and to run in two
    workers at once: a reminder's history line is written in the same
    transaction as its mail is queued, the database refuses a second automatic
    line for the same invoice and level, and each batch locks its invoices."""

    _name = "relance.job"
    _description = "Reminder Daily Job"

    @api.model
    def _auto_commit(self):
        # Commit between batches in production so that a crash loses nothing
        # already queued; never inside tests (they run in one transaction).
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _commit(self):
        if self._auto_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _run(self, companies=None, force=False):
        """Run the job for ``companies`` (default: all) whose local time has
        reached the sending hour and that have not run today.

        :param force: run now whatever the hour (still once a day)
        :return: number of reminders queued by this call
        """
        # every company: each runs at its own local hour
        companies = (companies or self.env["res.company"].search([])).sudo()  # pylint: disable=no-search-all
        batch = self._param("relance_batch_size", "relances_auto.batch_size")
        # every hour: the mails the server could not deliver go back to the queue
        retried = self.env["relance.log"]._retry_deliveries(companies)
        if retried:
            _logger.info("Reminders: %s undelivered mail(s) queued again", len(retried.mail_id))
            self.env["relance.sender"]._trigger_mail_queue()
            self._commit()
        queued = 0
        for company in companies:
            try:
                with self._isolated():
                    done, remaining = self._run_company(company, force, batch)
            except Exception as error:  # one company's failure never stops the others
                self._report_failure(company, error)
                continue
            queued += done
            if remaining:
                cron = self.env.ref("relances_auto.ir_cron_relances_auto", raise_if_not_found=False)
                if cron:
                    cron.sudo()._trigger()
                return queued
        return queued

    @contextmanager
    def _isolated(self):
        """One company's run: its failure is undone down to its last commit
        (a savepoint in tests, which never commit) and leaves the others alone."""
        if not self._auto_commit():
            with self.env.cr.savepoint():
                yield
            return
        try:
            yield
        except Exception:
            self.env.cr.rollback()
            self.env.invalidate_all()
            raise

    @api.model
    def _run_company(self, company, force, batch):
        """The day's run of one company, if due: digest, then reminders.

        :return: (reminders queued, mails still to send)
        """
        now = company._relance_now()
        today = now.date()
        if company.relance_run_date and company.relance_run_date >= today:
            return 0, 0
        if not force and now.hour + now.minute / 60 < company.relance_send_hour:
            return 0, 0
        job = self.with_company(company).with_context(relance_today=today)
        # customers' promises whose date has passed: kept, or broken (reminders resume)
        job.env["relance.answer"]._check_promises(company)
        if company.relance_digest_date != today:
            job._send_digest(company, company._relance_digest_recipients())
            company.relance_digest_date = today
            self._commit()
        done, remaining = job._send_automatic(company, limit=batch)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            company.write({"relance_run_date": today, "relance_run_error": False})
            self._commit()
        return done, remaining

    @api.model
    def _report_failure(self, company, error):
        """Tell the failure in the server log and, once a day, to the
        company's digest recipients; the company is tried again at the next run."""
        if isinstance(error, UserError | ValidationError):
            reason = self.env["relance.log"]._failure_texts(error)[0]
        else:
            reason = self.env._(
                "An unexpected error stopped the run (%s): the details are in the server log.", type(error).__name__
            )
        _logger.error("Reminders of %s failed: %s", company.name, reason, exc_info=error)
        today = company._relance_today()
        first_today = company.relance_error_date != today
        company.write({"relance_run_error": reason, "relance_error_date": today})
        if first_today:
            for user in company._relance_digest_recipients():
                job = self.with_context(lang=user.lang or "en_US")
                self.env["mail.mail"].sudo().create(
                    {
                        "subject": job.env._("%(company)s: today's reminders failed", company=company.name),
                        "body_html": self.env["ir.qweb"]
                        .with_context(lang=user.lang or "en_US")
                        ._render(
                            "relances_auto.relance_digest_failure",
                            {"company": company, "reason": reason},
                        ),
                        "email_from": company.email_formatted or self.env.user.email_formatted,
                        # one copy: recipient_ids alone (email_to as well would send a second one)
                        "recipient_ids": [(4, user.partner_id.id)],
                        "auto_delete": True,
                    }
                )
        self._commit()

    # ------------------------------------------------------------------
    # Digest
    # ------------------------------------------------------------------

    @api.model
    def _send_digest(self, company, users, plan=None):
        """Mail the simulation digest of ``company`` to ``users``, each in
        their language. Sends nothing to any customer."""
        today = company._relance_today()
        run_done = bool(company.relance_run_date and company.relance_run_date >= today)
        job = self
        if run_done:
            # today's run is done: the simulation is the next run's
            job = self.with_context(relance_today=company._relance_next_run_date())
            company = company.with_env(job.env)
            plan = None
        if plan is None:
            plan = job.env["relance.planner"]._get_plan(companies=company)
        failures = job.env["relance.digest"]._dry_run(company, plan)
        mails = self.env["mail.mail"].sudo()
        for user in users:
            digest = job.env["relance.digest"].with_context(lang=user.lang or "en_US")
            subject, body = digest._render(company, plan, failures, run_done)
            mails |= mails.create(
                {
                    "subject": subject,
                    "body_html": body,
                    "email_from": company.email_formatted or self.env.user.email_formatted,
                    # one copy: recipient_ids alone (email_to as well would send a second one)
                    "recipient_ids": [(4, user.partner_id.id)],
                    "auto_delete": True,
                }
            )
        return mails

    # ------------------------------------------------------------------
    # Automatic reminders
    # ------------------------------------------------------------------

    @api.model
    def _param(self, context_key, key):
        """A tunable of the job: the context's (tests), else the system parameter."""
        value = self.env.context.get(context_key)
        return value if value is not None else params.get(self.env, key)

    @api.model
    def _group_mails(self, lines, programs):
        """One mail per invoice, or per customer for programs that want it."""
        groups = defaultdict(list)
        for line in lines:
            program = programs[line.program_id]
            key = (line.partner_id, line.program_id) if program.one_mail_per_customer else (line.invoice_id,)
            groups[key].append(line)
        return list(groups.values())

    @api.model
    def _send_automatic(self, company, limit=None):
        """Send up to ``limit`` mails of the plan (default: the batch size),
        within the time budget; returns (done, remaining)."""
        limit = limit or self._param("relance_batch_size", "relances_auto.batch_size")
        plan = [line for line in self.env["relance.planner"]._get_plan(companies=company) if line.send]
        programs = self.env["relance.program"].browse({line.program_id for line in plan})
        groups = self._group_mails(plan, {p.id: p for p in programs})
        budget = self._param("relance_batch_seconds", "relances_auto.batch_seconds")
        start = time.monotonic()
        done = tried = 0
        todo = groups[:limit]
        chunk_size = self._param("relance_chunk_size", "relances_auto.commit_every")
        for chunk_start in range(0, len(todo), chunk_size):
            chunk = todo[chunk_start : chunk_start + chunk_size]
            # Lock the batch, then plan it again: an invoice paid or reminded
            # since the digest is dropped, one another worker holds is left to it.
            locked = self._lock([line.invoice_id for group in chunk for line in group])
            self.env["account.move"].browse(locked).invalidate_recordset()
            due = (
                {
                    line.invoice_id: line
                    for line in self.env["relance.planner"]._get_plan(companies=company, move_ids=locked)
                    if line.send
                }
                if locked
                else {}
            )
            chunk_due = [[due[line.invoice_id] for line in group if line.invoice_id in due] for group in chunk]
            pdfs = self._prepare_pdfs([lines for lines in chunk_due if lines])
            sent, logs = (
                self.env["relance.sender"].with_context(relance_defer_letters=True)._queue(chunk_due, "auto", pdfs)
            )
            done += sent
            tried += len(chunk)
            self._make_letters(logs.filtered(lambda log: core.uses_letter(log.channel) and log.state != "failed"))
            self._commit()
            if time.monotonic() - start >= budget:
                break
        return done, len(groups) - tried

    @api.model
    def _make_letters(self, logs):
        """The letters of a batch, in one rendering; a letter that fails marks
        its reminder failed, with the reason, and the others are made."""
        try:
            with self.env.cr.savepoint():
                logs._make_letters()
        except UserError:
            for letter_logs in logs._letter_groups():
                try:
                    with self.env.cr.savepoint():
                        letter_logs._make_letters()
                except UserError as error:
                    reason, detail = self.env["relance.log"]._failure_texts(error)
                    letter_logs.sudo().write({"state": "failed", "failure_reason": reason, "failure_detail": detail})
                    _logger.warning("Reminder letter of %s failed: %s", letter_logs.move_id.mapped("name"), reason)

    @api.model
    def _prepare_pdfs(self, groups):
        """The invoice PDFs the mails of ``groups`` (lists of plan lines) attach, rendered together."""
        moves = self.env["account.move"]
        by_stamp = defaultdict(lambda: moves)
        for group in groups:
            top = self.env["relance.stage"].browse(max(group, key=lambda line: line.level).stage_id)
            if top.attach_invoice and core.uses_email(top.channel):
                by_stamp[top.stamp_invoice] |= moves.browse([line.invoice_id for line in group])
        return self.env["relance.document"]._prepare_batch(by_stamp)

    @api.model
    def _lock(self, move_ids):
        """Lock the invoices of a batch; invoices another worker holds are left to it."""
        if not move_ids:
            return []
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                    [tuple(move_ids)],
                )
                return [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            return []  # changed by a concurrent run since our snapshot: it handled them
