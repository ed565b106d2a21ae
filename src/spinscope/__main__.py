import sys

from spinscope.cli.main import main

sys.exit(main())
