"""pdfium, which rasterises PDFs (label PNGs, scanned stacks), must not be entered by two
threads at once: every use in the process takes this one lock."""

import threading

PDFIUM = threading.Lock()
