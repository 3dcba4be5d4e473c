from calmcue.cli import main

raise SystemExit(main())
