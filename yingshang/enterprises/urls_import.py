# Routes of the import pipeline (owned by views_import.py).
urlpatterns: list = []
