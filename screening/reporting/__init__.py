"""Reports on the screenings: the screening log's counts, its charts and its exports.

Cut on pretix's seam (``base/exporter.py``): rows first, then renderers. The counts and the
rows come from the database (:mod:`.screening_log`, scoped by :mod:`screening.selectors`);
:mod:`.exports` turns them into tables (a header row, then one list of cells per row);
:mod:`.renderers` writes any such table as CSV or XLSX and knows nothing of screenings;
:mod:`.charts` draws the page's SVG bars. The same rows feed the page, the CSV and the XLSX.
A new export is a function in :mod:`.exports` returning an :class:`~.exports.Export`,
and a view that hands it to :func:`.renderers.render`.
"""
