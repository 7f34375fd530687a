"""The teaching app: the model in the browser, with sliders, tables and pictures.

``leverage app [FILE]`` serves :mod:`model.app.main` with Streamlit. Everything the page shows is
computed by the model's own front door (:mod:`model.api`); the modules here only turn its results
into tables (:mod:`model.app.tables`), chart data and charts (:mod:`model.app.charts`) and games
from edited text (:mod:`model.app.files`). They need no browser and no Streamlit, so the tests
call them directly; only :mod:`model.app.main` imports Streamlit.
"""
