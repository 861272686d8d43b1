"""The command service: missions, the go/no-go poll, the launch order, the mission log, aborts."""
