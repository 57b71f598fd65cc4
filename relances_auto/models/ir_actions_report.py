from odoo import models, tools


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _relance_render_batch(self, report_ref, records):
        """{record: PDF content} of ``report_ref`` for ``records``, rendered by
        one wkhtmltopdf run and split per record (Odoo splits on each record's
        page or outline; this needs wkhtmltopdf with patched Qt). Where the
        split is not possible, each record is rendered on its own."""
        if not records:
            return {}
        if (tools.config["test_enable"] or tools.config["test_file"]) and not self.env.context.get(
            "force_report_rendering"
        ):
            # Odoo renders HTML instead of PDF in tests unless asked: keep its rule
            return {record: self._render(report_ref, record.ids)[0] for record in records}
        if len(records) > 1:
            streams = self._render_qweb_pdf_prepare_streams(report_ref, None, res_ids=records.ids)
            if all(streams.get(record.id, {}).get("stream") for record in records):
                return {record: streams[record.id]["stream"].getvalue() for record in records}
        return {record: self._render_qweb_pdf(report_ref, record.ids)[0] for record in records}
