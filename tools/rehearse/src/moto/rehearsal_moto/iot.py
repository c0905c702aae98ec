"""AWS IoT's data endpoint, as the rehearsal serves it.

moto's IoT answers `DescribeEndpoint` with a random `<id>-ats.iot.<region>.amazonaws.com` and serves no
MQTT. SST (its CLI, and the Live Lambda stub inside each deployed function) asks `DescribeEndpoint` for
the address to connect MQTT over WebSocket to; the rehearsal's broker serves that protocol, so the
emulator describes the broker as its data endpoint (`host:port`), as AWS describes its own.
"""

from moto.iot.models import FakeEndpoint, IoTBackend

DATA_ENDPOINT: "str | None" = None


def install(data_endpoint: str) -> None:
    global DATA_ENDPOINT
    DATA_ENDPOINT = data_endpoint
    original = IoTBackend.describe_endpoint

    def describe_endpoint(self: IoTBackend, endpoint_type: str) -> FakeEndpoint:
        endpoint = original(self, endpoint_type)
        if DATA_ENDPOINT and endpoint_type in ("iot:Data", "iot:Data-ATS"):
            endpoint.endpoint = DATA_ENDPOINT
        return endpoint

    IoTBackend.describe_endpoint = describe_endpoint  # type: ignore[method-assign]
