"""A plain `pip install` (no `otel` extra) has the OpenTelemetry API but not its SDK: every
process must start without it, and turning tracing on says which extra to install."""

import subprocess
import sys
import textwrap

# Makes the SDK and the exporters unimportable, as on a machine without the `otel` extra.
WITHOUT_SDK = textwrap.dedent(
    """
    import sys
    from importlib.abc import MetaPathFinder

    class NoSdk(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith(("opentelemetry.sdk", "opentelemetry.exporter")):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoSdk())
    """
)


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_SDK + textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_every_process_starts_without_the_sdk() -> None:
    done = run(
        """
        import api.app, cli, ui.api_client, workers.main
        from paperclip.settings import Settings
        from paperclip.telemetry import client_interceptors
        assert len(client_interceptors(Settings())) == 1  # the product counters only
        print("started")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"


def test_tracing_on_without_the_sdk_names_the_extra() -> None:
    done = run(
        """
        from paperclip.telemetry.tracing import TracingUnavailable, temporal_tracing
        try:
            temporal_tracing()
        except TracingUnavailable as err:
            print(err)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'paperclip-temporal[otel]'" in done.stdout
