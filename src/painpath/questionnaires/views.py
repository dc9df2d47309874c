"""The patient's intake pages (no account: the link is the key) and the clinician's issue page."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django import forms
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import record
from painpath.core import questionnaires as fhir
from painpath.core.instruments import REGISTRY
from painpath.patients import access
from painpath.patients.models import Episode
from painpath.questionnaires import bodymap, self_harm, sending, services
from painpath.questionnaires import forms as pages_
from painpath.questionnaires.models import IntakeDraft, IntakeLink

# -- patient pages ---------------------------------------------------------------------------


def _activate(request: HttpRequest, language: str) -> None:
    # After UserLanguageMiddleware: the patient's choice wins over a signed-in staff
    # member's profile language (a clinic tablet may still hold a staff session).
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _link_error(
    request: HttpRequest, error: services.LinkError, *, again: str = ""
) -> HttpResponse:
    if error.link is not None:
        _activate(request, error.link.language)
    return render(
        request,
        "questionnaires/link_error.html",
        {
            "error": error,
            "completed": isinstance(error, services.LinkCompleted),
            "again": again,
            "clinic": error.link.episode.patient.clinic if error.link is not None else None,
        },
        status=error.status,
    )


def patient_view(
    *, allow_completed: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Open the link, forget any staff session for this request, speak the patient's language."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @never_cache
        def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            # The link is the patient's only credential: a staff member signed in on the
            # same tablet must neither appear on these pages nor be named in the audit.
            request.user = AnonymousUser()
            try:
                link = services.resolve(token, allow_completed=allow_completed)
            except services.LinkError as error:
                return _link_error(request, error)
            draft = None if link.completed_at else services.current_draft(link)
            _activate(request, services.language_of(link, draft))
            response = view(request, token, link, draft, *args, **kwargs)
            # The path holds the token: never send it to another site. ("no-referrer" would
            # make Chromium send "Origin: null" with the forms, which CSRF checking refuses.)
            response["Referrer-Policy"] = "same-origin"
            response["X-Robots-Tag"] = "noindex"
            return response

        return wrapper

    return decorator


def _pages(link: IntakeLink) -> list[pages_.Page]:
    return services.pages_of(link, translation.get_language())


def _asks_consent(link: IntakeLink) -> bool:
    # A first intake asks consent before its pages and stores it with the answers; after
    # that (and on a follow-up link) the consent page changes it at once.
    return link.purpose == IntakeLink.Purpose.INTAKE and link.completed_at is None


def _before_pages(token: str, link: IntakeLink) -> str:
    name = "questionnaires:consent" if _asks_consent(link) else "questionnaires:start"
    return reverse(name, args=[token])


def _resume_url(token: str, link: IntakeLink, draft: IntakeDraft) -> str:
    if _asks_consent(link) and draft.page == 0 and services.CONSENT_KEY not in draft.answers:
        return reverse("questionnaires:consent", args=[token])
    if draft.page >= len(_pages(link)):
        return reverse("questionnaires:review", args=[token])
    return reverse("questionnaires:page", args=[token, draft.page + 1])


def _progress(step: int, total: int, counts: list[int] | None = None) -> dict[str, int]:
    """Where the patient is: page ``step`` of ``total`` (the review is the last step), and
    which questions this page holds of all of them ("Questions 7–12 of 31")."""
    progress = {"step": step, "total": total}
    if counts:
        before = sum(counts[: step - 1])
        progress.update(
            questions=sum(counts),
            first=before + 1,
            last=before + (counts[step - 1] if step <= len(counts) else 0),
            done=before,
            # The review, after the last page: every question has been seen.
            review=step > len(counts),
        )
    return progress


def _base_context(token: str, link: IntakeLink, here: str) -> dict[str, Any]:
    return {
        "token": token,
        "link": link,
        # Every patient page names the clinic asking, and how to reach it.
        "clinic": link.episode.patient.clinic,
        "languages": pages_.LANGUAGES,
        "here": here,
        "patient_page": True,
    }


@require_http_methods(["GET", "POST"])
@patient_view()
def start(request: HttpRequest, token: str, link: IntakeLink, draft: IntakeDraft) -> HttpResponse:
    if request.method == "POST":
        language = request.POST.get("language", "")
        if language not in services.LANGUAGE_CODES:
            return HttpResponseBadRequest("unknown language")
        draft = services.choose_language(link, language)
        _activate(request, language)
        here = request.POST.get("next", "")
        target = _resume_url(token, link, draft)
        # Only back to a page of this link: never an open redirect.
        if here.startswith(reverse("questionnaires:start", args=[token])):
            target = here
        return redirect(target)
    if draft.language and draft.page > 0:
        return redirect(_resume_url(token, link, draft))
    total = len(_pages(link)) + 1
    return render(
        request,
        "questionnaires/start.html",
        {
            **_base_context(token, link, request.path),
            "total": total,
            "current": translation.get_language(),
        },
    )


@require_http_methods(["GET", "POST"])
@patient_view()
def page(
    request: HttpRequest, token: str, link: IntakeLink, draft: IntakeDraft, number: int
) -> HttpResponse:
    language = translation.get_language()
    all_pages = _pages(link)
    if not 1 <= number <= len(all_pages):
        return redirect(_resume_url(token, link, draft))
    if number > draft.page + 1:  # no skipping ahead of the first unanswered page
        return redirect(_resume_url(token, link, draft))
    this = all_pages[number - 1]
    review_url = reverse("questionnaires:review", args=[token])
    if request.method == "POST":
        action = request.POST.get("action", "next")
        data = pages_.form_data(this.form(language), request.POST)
        if action in ("back", "later"):
            saved = services.save_draft(link, this.key, data)
            if action == "later":
                return render(
                    request,
                    "questionnaires/saved.html",
                    {**_base_context(token, link, request.path), "resume": request.path},
                )
            if _from_review(request, saved, all_pages):
                return redirect(review_url)
            previous = (
                reverse("questionnaires:page", args=[token, number - 1])
                if number > 1
                else _before_pages(token, link)
            )
            return redirect(previous)
        form = pages_.bind(this, language, data)
        if form.is_valid():
            saved = services.save_draft(link, this.key, data, reached=number)
            grade = _red_flag_grade(link, draft, data) if this.key == "red_flags" else None
            # An emergency answer holds the patient on this page once, to read what to do
            # now; "Next" again (advice_shown) goes on.
            if grade == "emergency" and request.POST.get("advice_shown") != "1":
                back = _from_review(request, saved, all_pages)
                return _render_page(
                    request, token, link, this, form, number, all_pages, grade, from_review=back
                )
            if number == len(all_pages) or _from_review(request, saved, all_pages):
                return redirect(review_url)
            return redirect("questionnaires:page", token, number + 1)
        # Keep what was typed, even if it is not yet valid; do not advance.
        services.save_draft(link, this.key, data)
    else:
        data = draft.answers.get(this.key) or {}
        form = pages_.initial(this, language, data)
    grade = _red_flag_grade(link, draft, data) if this.key == "red_flags" else None
    return _render_page(
        request,
        token,
        link,
        this,
        form,
        number,
        all_pages,
        grade,
        from_review=_from_review(request, draft, all_pages),
    )


def _from_review(request: HttpRequest, draft: IntakeDraft, all_pages: list[pages_.Page]) -> bool:
    """Whether this page was opened with "Change" from the review, and may go back there:
    only while every page has been answered (a page left unanswered is asked first)."""
    asked = request.POST.get("from") or request.GET.get("from")
    return asked == "review" and draft.page >= len(all_pages)


def _red_flag_grade(link: IntakeLink, draft: IntakeDraft, data: dict[str, list[str]]) -> str | None:
    """The grade of the red-flag answers on the page (answered ones, even before every
    question is), with the duration page's answer, which decides whether pain is new."""
    flags = {
        code: values[0] == "yes"
        for code, _question in pages_.RED_FLAGS
        if (values := data.get(code)) and values[0] in ("yes", "no")
    }
    intake: dict[str, Any] = {"red_flags": flags}
    duration = pages_.DurationForm(MultiValueDict(draft.answers.get("duration") or {}))
    if duration.is_valid():
        intake.update(duration.intake())
    return services.red_flag_grade_of(link.episode, intake)


def _render_page(
    request: HttpRequest,
    token: str,
    link: IntakeLink,
    this: pages_.Page,
    form: pages_.PageForm,
    number: int,
    all_pages: list[pages_.Page],
    red_flag_grade: str | None = None,
    *,
    from_review: bool = False,
) -> HttpResponse:
    context = {
        **_base_context(token, link, request.path),
        "page": this,
        "form": form,
        "number": number,
        "progress": _progress(
            number, len(all_pages) + 1, pages_.question_counts(all_pages, link.language)
        ),
        "back_url": reverse("questionnaires:page", args=[token, number - 1])
        if number > 1
        else _before_pages(token, link),
        "red_flag_grade": red_flag_grade,
        "from_review": from_review,
    }
    if this.key == "regions":
        selected = set(form["regions"].value() or [])
        context["views"] = [
            ("front", pgettext("body map", "Seen from the front"), bodymap.view("front", selected)),
            ("back", pgettext("body map", "Seen from behind"), bodymap.view("back", selected)),
        ]
        context["groups"] = bodymap.checklist(selected)
    if this.instrument:
        context["questionnaire"] = form.questionnaire  # type: ignore[attr-defined]
    return render(request, this.template, context)


def _summary(link: IntakeLink, language: str, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """What the patient answered, page by page, as (question, answer) pairs."""
    result = []
    for number, each in enumerate(services.pages_of(link, language), start=1):
        form = pages_.bind(each, language, answers.get(each.key))
        form.is_valid()
        rows = []
        for name, field in form.fields.items():
            raw = answers.get(each.key, {}).get(name, [])
            if isinstance(field, forms.ChoiceField):
                labels = dict(field.choices)
                if name == "regions":
                    shown = ", ".join(bodymap.label(v) for v in raw if v in labels)
                else:
                    shown = ", ".join(str(labels.get(v, v)) for v in raw if v)
            else:
                shown = ", ".join(v for v in raw if v)
            if each.key == "treatments" and raw == ["not_tried"]:
                continue
            whole = getattr(field, "part_of", "")
            if shown and whole:  # "14 months", not "14" and "Unit: months" apart
                for row in rows:
                    if row["name"] == whole:
                        row["answer"] = f"{row['answer']} {shown}"
                continue
            if shown:
                rows.append({"name": name, "question": field.label, "answer": shown})
        result.append({"number": number, "title": each.title, "rows": rows})
    return result


def _review(
    request: HttpRequest,
    token: str,
    link: IntakeLink,
    draft: IntakeDraft,
    errors: dict[str, dict[str, list[str]]] | None = None,
) -> HttpResponse:
    language = translation.get_language()
    all_pages = _pages(link)
    problems = []
    for number, each in enumerate(all_pages, start=1):
        form = each.form(language)
        for name, messages in (errors or {}).get(each.key, {}).items():
            label = form.fields[name].label if name in form.fields else each.title
            for message in messages:
                problems.append(
                    {
                        "url": reverse("questionnaires:page", args=[token, number]),
                        "text": f"{label}: {message}",
                    }
                )
    for message in (errors or {}).get(services.CONSENT_KEY, {}).values():
        url = reverse("questionnaires:consent", args=[token])
        problems += [{"url": url, "text": text} for text in message]
    return render(
        request,
        "questionnaires/review.html",
        {
            **_base_context(token, link, request.path),
            "summary": _summary(link, language, draft.answers),
            "consent": _consent_summary(language, draft.answers.get(services.CONSENT_KEY)),
            "submission_id": draft.submission_id,
            "progress": _progress(
                len(all_pages) + 1,
                len(all_pages) + 1,
                pages_.question_counts(all_pages, link.language),
            ),
            "problems": problems,
        },
        status=422 if problems else 200,
    )


@require_http_methods(["GET"])
@patient_view()
def review(request: HttpRequest, token: str, link: IntakeLink, draft: IntakeDraft) -> HttpResponse:
    if draft.page < len(_pages(link)):
        return redirect(_resume_url(token, link, draft))
    return _review(request, token, link, draft)


@require_POST
@patient_view(allow_completed=True)
def submit(
    request: HttpRequest, token: str, link: IntakeLink, draft: IntakeDraft | None
) -> HttpResponse:
    try:
        submission_id = uuid.UUID(request.POST.get("submission_id", ""))
    except ValueError:
        return HttpResponseBadRequest("missing submission id")
    if link.completed_at is not None:
        if link.submission_id == submission_id:  # a double tap or a repeated request
            return redirect("questionnaires:done", token)
        return _link_error(request, services.LinkCompleted(link))
    assert draft is not None
    if draft.pk is None:  # nothing answered yet: nothing to send
        return redirect(_resume_url(token, link, draft))
    if submission_id != draft.submission_id:
        # The server chose the id (kept in the draft, sent with the review form): another
        # link's id, a made-up or an out-of-date one is refused, never stored.
        again = reverse("questionnaires:review", args=[token])
        return _link_error(request, services.SubmissionClash(link), again=again)
    try:
        services.submit(link, draft.answers, draft.submission_id, request=request)
    except services.IntakeInvalid as invalid:
        return _review(request, token, link, draft, invalid.errors)
    except services.LinkError as error:
        return _link_error(request, error)
    return redirect("questionnaires:done", token)


@require_http_methods(["GET"])
@patient_view(allow_completed=True)
def done(
    request: HttpRequest, token: str, link: IntakeLink, draft: IntakeDraft | None
) -> HttpResponse:
    if link.completed_at is None:
        return redirect("questionnaires:start", token)
    grade = services.red_flag_grade(link)
    return render(
        request,
        "questionnaires/done.html",
        {
            **_base_context(token, link, request.path),
            "red_flag_grade": grade,
            "self_harm_advice": self_harm.advice_for(link, translation.get_language()),
        },
    )


def _consent_summary(language: str, data: dict[str, list[str]] | None) -> list[dict[str, Any]]:
    form = services.consent_form(language, data)
    if data is None or not form.is_valid():
        return []
    labels = dict(pages_.CONSENT_CHOICES)
    return [
        {"question": form.fields[purpose].label, "answer": labels[decision]}
        for purpose, (decision, _version) in form.choices().items()
    ]


@require_http_methods(["GET", "POST"])
@patient_view(allow_completed=True)
def consent(
    request: HttpRequest, token: str, link: IntakeLink, draft: IntakeDraft | None
) -> HttpResponse:
    """The consent texts and the patient's choice: before a first intake's pages (kept with
    the draft, stored with the answers), else changed at once — while the link works."""
    if link.revoked_at is not None or link.expires_at <= timezone.now():
        # A sent link opens this page only until it expires: after that, the clinic.
        return _link_error(request, services.LinkExpired(link))
    language = translation.get_language()
    in_intake = _asks_consent(link)
    saved = False
    if request.method == "POST":
        form = services.consent_form(language, request.POST)
        if in_intake and draft is not None and request.POST.get("action") == "back":
            return redirect("questionnaires:start", token)
        if form.is_valid():
            data = pages_.form_data(form, request.POST)
            if in_intake and draft is not None:
                draft = services.save_draft(link, services.CONSENT_KEY, data)
                target = _resume_url(token, link, draft)
                return redirect(target if draft.page else _page_url(token, 1))
            services.change_consent(link, form.choices(), language, request)
            saved = True
    else:
        stored = draft.answers.get(services.CONSENT_KEY) if in_intake and draft else None
        form = services.consent_form(language)
        form.initial.update(
            {name: values[0] for name, values in (stored or {}).items() if values}
            if stored
            else _current_choices(link)
        )
    return render(
        request,
        "questionnaires/consent.html",
        {
            **_base_context(token, link, request.path),
            "form": form,
            "in_intake": in_intake,
            "saved": saved,
        },
    )


def _page_url(token: str, number: int) -> str:
    return reverse("questionnaires:page", args=[token, number])


def _current_choices(link: IntakeLink) -> dict[str, str]:
    """The patient's current choices as the form's answers (a withdrawal shows as "no")."""
    out = {}
    for purpose, decision in services.current_consent(link).items():
        if decision is not None:
            given = decision.decision == "given"
            out[purpose] = "given" if given else "refused"
    return out


# -- clinician: issue a link -----------------------------------------------------------------


def suggested_instruments(episode: Episode) -> list[str]:
    """The clinic's questionnaire set for the episode's main region, else painpath's."""
    suggested = episode.patient.clinic.instruments_for(
        episode.region,
        pages_.DEFAULT_INSTRUMENTS.get(episode.region, pages_.FALLBACK_INSTRUMENTS),
    )
    # A set saved before an instrument was retired (or marked clinician-only) must not
    # preselect a code the form no longer offers (the first display would fail on its own
    # default).
    return pages_.for_patients(suggested)


class IssueForm(forms.Form):
    """What a link asks, in which language, for how long, and how it reaches the patient.

    Unbound, it holds the clinic's defaults (its questionnaire set for the episode's main
    region, its validity), so that the first display is a form ready to send, not errors."""

    instruments = pages_.PatientInstrumentsField(
        label=_("Questionnaires"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Questionnaires: choose at least one questionnaire for the link."),
            "invalid_choice": _("Questionnaires: choose from the list."),
        },
    )
    language = forms.ChoiceField(
        label=_("Language the patient starts in"), choices=pages_.LANGUAGES
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=90,
        error_messages={
            "required": _("Valid for: enter a number of days from 1 to 90."),
            "invalid": _("Valid for: enter a number of days from 1 to 90."),
            "min_value": _("Valid for: enter a number of days from 1 to 90."),
            "max_value": _("Valid for: enter a number of days from 1 to 90."),
        },
    )
    channel = forms.ChoiceField(
        label=_("How the patient gets the link"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={
            "invalid_choice": _("How the patient gets the link: choose from the list.")
        },
    )

    def __init__(
        self,
        *args: Any,
        episode: Episode | None = None,
        days: int = 14,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        language = translation.get_language() or "en"
        language = language if language in services.LANGUAGE_CODES else "en"
        self.fields["instruments"].choices = [
            (code, fhir.load(code, language)["title"]) for code in pages_.for_patients(REGISTRY)
        ]
        self.initial.setdefault("days", days)
        self.initial.setdefault("language", "da")
        self.initial.setdefault("channel", sending.SHOW)
        patient = episode.patient if episode is not None else None
        self.fields["channel"].choices = sending.channels(patient)
        if episode is not None:
            self.initial.setdefault("instruments", suggested_instruments(episode))

    def clean_channel(self) -> str:
        # Left out (an older form, a script): the link is shown, nothing is sent.
        return str(self.cleaned_data.get("channel") or sending.SHOW)


def _qr_svg(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=4, light="#fff", omitsize=True)
    label = escape(gettext("QR code of the patient's link"))
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


@never_cache
@require_http_methods(["GET", "POST"])
@verified_staff
@permission_required("questionnaires.add_intakelink", raise_exception=True)
def issue(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access.episode(request, episode_id)
    clinic = episode.patient.clinic
    days = services.link_days(clinic)
    if request.method == "POST":
        form = IssueForm(request.POST, episode=episode, days=days)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = sending.issue_and_send(
                    episode,
                    data["instruments"],
                    data["language"],
                    request.user,
                    data["days"],
                    data["channel"],
                    request=request,
                )
            except sending.LinkNotSent as error:
                form.add_error("channel", str(error))
            else:
                # Shown once: only the token's hash is stored, so this page cannot be rebuilt.
                shown = issued.channel == sending.SHOW
                return render(
                    request,
                    "questionnaires/issued.html",
                    {
                        "episode": episode,
                        "link": issued.link,
                        "issued": issued,
                        "url": issued.url if shown else "",
                        "qr": _qr_svg(issued.url) if shown else "",
                        "valid_until": sending.local_datetime(issued.link.expires_at),
                    },
                )
    else:
        record(
            request,
            services.LINK_FORM_VIEWED,
            patient=episode.patient,
            obj=episode,
            page="issue link",
        )
        form = IssueForm(episode=episode, days=days)
    # The clinic's set first; the rest folded away, open when one of them is ticked.
    suggested = suggested_instruments(episode)
    others = [code for code, _title in form.fields["instruments"].choices if code not in suggested]
    chosen = form["instruments"].value() or []
    return render(
        request,
        "questionnaires/issue.html",
        {
            "episode": episode,
            "form": form,
            "suggested": suggested,
            "others": others,
            "others_chosen": any(code in others for code in chosen),
            "sms_available": sending.sms_available(),
            "clinic": clinic,
            "default_days": days,
            "default_until": sending.local_datetime(timezone.now() + dt.timedelta(days=days)),
        },
        status=422 if form.is_bound else 200,
    )
