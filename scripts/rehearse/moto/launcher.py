"""moto_server with the rehearsal's extensions: `python3 launcher.py -H 127.0.0.1 -p PORT`.

The extensions fill the gaps moto's CloudFormation has as a deploy target (see rehearsal_moto/__init__.py);
everything else is moto 5.2 as installed.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rehearsal_moto  # noqa: E402

rehearsal_moto.install()

# `--without AWS::A::B,...` serves those types without the extension's models, as moto alone would: for
# tests that prove a rehearsal fails when the emulator lacks a type.
if "--without" in sys.argv:
    index = sys.argv.index("--without")
    rehearsal_moto.withhold(sys.argv[index + 1])
    del sys.argv[index : index + 2]

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
