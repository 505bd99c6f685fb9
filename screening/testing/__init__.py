"""Made-up data for load tests, benchmarks and tests, shipped with the application so that
``manage.py seed_screenings`` runs from an installed wheel and in the Docker image (neither
holds benchmarks/ nor tests/). Nothing here is imported by the application's pages."""
