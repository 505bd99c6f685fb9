"""URLs of the screening app. Screening numbers (never names) identify patients in URLs."""

from django.urls import path

from screening.views import (
    amendment_impact,
    checklist,
    fhir_labs,
    history,
    rescreening,
    review_queue,
    screening_form,
    screening_list,
    screening_log,
    signoff,
    transfer,
    unlock,
)

app_name = "screening"

urlpatterns = [
    path("", screening_list.screening_list, name="list"),
    path("screenings/new/", screening_form.screening_create, name="create"),
    path("screenings/new/evaluate/", screening_form.screening_evaluate, name="evaluate_new"),
    path("screenings/import/", transfer.screening_import, name="import_new"),
    path("screenings/<str:number>/", screening_form.screening_detail, name="detail"),
    path("screenings/<str:number>/evaluate/", screening_form.screening_evaluate, name="evaluate"),
    path("screenings/<str:number>/history/", history.screening_history, name="history"),
    path("screenings/<str:number>/checklist.pdf", checklist.screening_checklist, name="checklist"),
    path("screenings/<str:number>/export.json", transfer.screening_export, name="export"),
    path("screenings/<str:number>/import/", transfer.screening_import, name="import"),
    path("screenings/<str:number>/evaluations/<int:pk>/", screening_form.evaluation_detail, name="evaluation"),
    path("screenings/<str:number>/labs/fhir/", fhir_labs.fhir_labs_upload, name="fhir_labs_upload"),
    path("screenings/<str:number>/labs/fhir/fetch/", fhir_labs.fhir_labs_fetch, name="fhir_labs_fetch"),
    path("screenings/<str:number>/labs/fhir/approve/", fhir_labs.fhir_labs_approve, name="fhir_labs_approve"),
    path("review/", review_queue.review_queue, name="review_queue"),
    path("screenings/<str:number>/sign/", signoff.screening_sign, name="sign"),
    path(
        "screenings/<str:number>/outcome-change/",
        signoff.screening_review_outcome_change,
        name="outcome_change_review",
    ),
    path("amendments/impact/", amendment_impact.amendment_impact, name="amendment_impact"),
    path("screenings/<str:number>/unlock/", unlock.screening_unlock, name="unlock"),
    path("screenings/<str:number>/rescreen/", rescreening.screening_rescreen, name="rescreen"),
    path("log/", screening_log.screening_log, name="log"),
    path("log/export.csv", screening_log.log_export_csv, name="log_export_csv"),
    path("log/export.xlsx", screening_log.log_export_xlsx, name="log_export_xlsx"),
    path("log/screenings.csv", screening_log.screenings_export_csv, name="log_screenings_csv"),
    path("log/screenings.xlsx", screening_log.screenings_export_xlsx, name="log_screenings_xlsx"),
]
