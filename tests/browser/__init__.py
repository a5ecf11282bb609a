"""Browser tests: the notebooks in JupyterLab and Voila, in headless Chromium."""
