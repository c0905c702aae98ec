"""moto_server with the rehearsal's extensions: `python3 launcher.py -H 127.0.0.1 -p PORT`.

The extensions fill the gaps moto's CloudFormation has as a deploy target (see rehearsal_moto/__init__.py);
everything else is moto 5.2 as installed.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The emulator harness's moto fixes (packages/emulators), which `pnpm keys` relies on (Secrets Manager version stages as on AWS).
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "packages", "emulators", "src"))

import moto_server_for_local_stages  # noqa: E402
import rehearsal_moto  # noqa: E402
from moto.secretsmanager.models import SecretsManagerBackend  # noqa: E402

SecretsManagerBackend.update_secret_version_stage = moto_server_for_local_stages._update_secret_version_stage
rehearsal_moto.install()

# `--without AWS::A::B,...` serves those types without the extension's models, as moto alone would: for
# tests that prove a rehearsal fails when the emulator lacks a type.
if "--without" in sys.argv:
    index = sys.argv.index("--without")
    rehearsal_moto.withhold(sys.argv[index + 1])
    del sys.argv[index : index + 2]

# `--iot-endpoint host:port`: the MQTT broker the emulator describes as IoT's data endpoint (see rehearsal_moto/iot.py).
if "--iot-endpoint" in sys.argv:
    index = sys.argv.index("--iot-endpoint")
    from rehearsal_moto import iot  # noqa: E402

    iot.install(sys.argv[index + 1])
    del sys.argv[index : index + 2]

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
