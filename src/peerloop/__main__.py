from peerloop.cli import main

raise SystemExit(main())
