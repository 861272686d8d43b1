"""Weather: current conditions at the pad and the go/no-go rules, over REST."""
