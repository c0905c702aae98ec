"""moto_server (moto 5.2) with the two things users-api's local stages need that moto lacks.

1. Secrets Manager versions behave as on AWS under concurrent use:
   - moving AWSCURRENT with UpdateSecretVersionStage makes that version the one GetSecretValue returns
     (moto keeps answering the version AWSCURRENT was moved away from, and a later PutSecretValue then
     labels the wrong version AWSPREVIOUS);
   - every Secrets Manager call runs under one lock (moto_server answers on threads), so the check that
     AWSCURRENT is still on RemoveFromVersionId and the move are one atomic step, as `pnpm keys` relies on.
2. `--mirror-secret NAME=FILE` (repeatable): after every Secrets Manager call that changes the current
   value of secret NAME, that value is written to FILE (atomically, fsynced) before the answer is sent,
   so whatever a client was told was written survives a crash of moto. moto itself keeps nothing on disk.

Usage: python3 moto_server_for_local_stages.py [--mirror-secret NAME=FILE ...] [moto_server options]
"""

import os
import sys
import tempfile
import threading

from moto.secretsmanager.models import SecretsManagerBackend
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.server import main as moto_server_main

_secrets_manager_lock = threading.RLock()
_mirrors: dict[str, str] = {}
_last_mirrored: dict[str, str | None] = {}


def _current_value(backend: SecretsManagerBackend, name: str) -> str | None:
    secret = backend.secrets.get(name)
    if secret is None or getattr(secret, "is_deleted", lambda: False)():
        return None
    for version in secret.versions.values():
        if "AWSCURRENT" in version["version_stages"]:
            return version.get("secret_string")
    return None


def _write_durably(path: str, content: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".mirror-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    directory_descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_descriptor)
    finally:
        os.close(directory_descriptor)


def _mirror_changed_secrets(backend: SecretsManagerBackend) -> None:
    for name, path in _mirrors.items():
        value = _current_value(backend, name)
        if value is not None and value != _last_mirrored.get(name):
            _write_durably(path, value)
            _last_mirrored[name] = value


_original_call_action = SecretsManagerResponse.call_action


def _call_action_atomically(self: SecretsManagerResponse):  # type: ignore[no-untyped-def]
    with _secrets_manager_lock:
        response = _original_call_action(self)
        if _mirrors:
            _mirror_changed_secrets(self.backend)
        return response


_original_update_secret_version_stage = SecretsManagerBackend.update_secret_version_stage


def _update_secret_version_stage(
    self: SecretsManagerBackend, secret_id: str, version_stage: str, remove_from_version_id: str, move_to_version_id: str
) -> tuple[str, str]:
    result = _original_update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
    if version_stage == "AWSCURRENT" and move_to_version_id:
        self.secrets[secret_id].set_default_version_id(move_to_version_id)
    return result


def _take_mirror_options(argv: list[str]) -> list[str]:
    rest: list[str] = []
    arguments = iter(argv)
    for argument in arguments:
        if argument.startswith("--mirror-secret="):
            value = argument[len("--mirror-secret=") :]
        elif argument == "--mirror-secret":
            value = next(arguments, "")
        else:
            rest.append(argument)
            continue
        name, separator, path = value.partition("=")
        if not name or not separator or not path:
            sys.exit(f"--mirror-secret needs NAME=FILE, got {value!r}")
        _mirrors[name] = path
    return rest


if __name__ == "__main__":
    moto_arguments = _take_mirror_options(sys.argv[1:])
    SecretsManagerResponse.call_action = _call_action_atomically  # type: ignore[method-assign]
    SecretsManagerBackend.update_secret_version_stage = _update_secret_version_stage  # type: ignore[method-assign]
    # moto's main() reads sys.argv when given an empty list.
    sys.argv = [sys.argv[0], *moto_arguments]
    moto_server_main(moto_arguments)
