"""Which exceptions are the service's problem (not the model's), and the URL shown for them."""

from __future__ import annotations

import httpx
import pytest

from modelcheck.observe.service import service_failure

URL = "https://user:pw@api.acme.example/v1/chat/completions?key=sk-secret-1"
SHOWN = "https://api.acme.example/v1/chat/completions"


def raised_from(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as caught:
        return caught


def test_httpx_transport_errors_and_auth_statuses_name_the_url_without_its_secrets() -> None:
    request = httpx.Request("POST", URL)
    refused = httpx.ConnectError("[Errno 111] Connection refused", request=request)
    assert service_failure(refused) == f"ConnectError: [Errno 111] Connection refused at {SHOWN}"
    assert (
        service_failure(httpx.ReadTimeout("timed out", request=request))
        == f"ReadTimeout: timed out at {SHOWN}"
    )
    for status, said in ((401, "401 Unauthorized"), (403, "403 Forbidden")):
        error = httpx.HTTPStatusError("no", request=request, response=httpx.Response(status, request=request))
        assert service_failure(error) == f"the service answered {said} at {SHOWN}"
    server_error = httpx.Response(500, request=request)
    assert service_failure(httpx.HTTPStatusError("no", request=request, response=server_error)) is None


def test_sdk_errors_and_a_chain_wrapped_by_the_model_are_recognized() -> None:
    openai = pytest.importorskip("openai")
    request = httpx.Request("POST", URL)
    connection = openai.APIConnectionError(request=request)
    assert service_failure(connection) == f"APIConnectionError: Connection error. at {SHOWN}"
    auth = openai.AuthenticationError("bad key", response=httpx.Response(401, request=request), body=None)
    assert service_failure(auth) == f"the service answered 401 Unauthorized at {SHOWN}"
    wrapped = raised_from(RuntimeError("Acme call failed"), httpx.ConnectError("refused", request=request))
    assert service_failure(wrapped) == f"ConnectError: refused at {SHOWN}"


def test_the_standard_librarys_network_errors_count_and_a_models_own_errors_do_not() -> None:
    import socket

    assert service_failure(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert service_failure(socket.gaierror(-2, "Name or service not known")) is not None
    assert service_failure(ValueError("401: key rejected")) is None
    assert service_failure(ConnectionError("backend said 503")) is None  # raised by the model itself
    assert service_failure(TimeoutError("the model gave up")) is None


def test_requests_errors_are_recognized() -> None:
    requests = pytest.importorskip("requests")
    prepared = requests.Request("POST", URL).prepare()
    error = requests.exceptions.ConnectionError("refused", request=prepared)
    assert service_failure(error) == f"ConnectionError: refused at {SHOWN}"
    response = requests.Response()
    response.status_code, response.url = 403, URL
    assert service_failure(requests.exceptions.HTTPError("no", response=response)) == (
        f"the service answered 403 Forbidden at {SHOWN}"
    )
