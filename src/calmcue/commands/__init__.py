"""One module per `calmcue` subcommand, imported only when that command runs."""
