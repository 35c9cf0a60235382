"""Assessment reports (R10-R12): monthly notice, quarterly assessment and annual review
of every department and township, as XLSX, PDF with charts, HTML and JSON.
``reports.service.ReportService`` builds one; ``reports.figures`` holds the arithmetic."""
