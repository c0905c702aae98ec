"""moto_server with the rehearsal's extensions: `python3 launcher.py -H 127.0.0.1 -p PORT`.

The extensions fill the gaps moto's CloudFormation has as a deploy target (see rehearsal_moto/__init__.py);
everything else is moto 5.2 as installed.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rehearsal_moto  # noqa: E402

rehearsal_moto.install()
# For tests that prove a rehearsal fails when the emulator lacks a type: REHEARSAL_EMULATOR_WITHOUT=AWS::A::B,...
rehearsal_moto.withhold(os.environ.get("REHEARSAL_EMULATOR_WITHOUT", ""))

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
