from regviz.cli import main

raise SystemExit(main())
