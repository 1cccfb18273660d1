from django.http import HttpResponse


def lockout_response(request, credentials=None, *args, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("Sign-in failed.", status=403)
