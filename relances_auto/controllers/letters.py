from odoo import http
from odoo.http import content_disposition, request


class RelanceLetters(http.Controller):
    @http.route("/relances_auto/letters", type="http", auth="user", methods=["GET"])
    def print_letters(self, log_ids="", **kwargs):
        """The reminder letters of these history lines, in one PDF to print.

        A GET changes nothing (a link or an image on another site may trigger
        it): it serves letters already made, by “Print letters” (an RPC
        call, CSRF-safe), read with the user's own rights."""
        ids = [int(part) for part in log_ids.split(",") if part.strip().isdigit()]
        logs = request.env["relance.log"].browse(ids).exists()
        if not logs or not all(log.letter_attachment_id for log in logs):
            raise request.not_found()
        logs.check_access("read")
        logs.letter_attachment_id.check_access("read")
        content = logs._letters_pdf()
        letters = logs.letter_attachment_id
        filename = letters.name if len(letters) == 1 else request.env._("Reminder letters.pdf")
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
