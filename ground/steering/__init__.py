"""What the services that steer the flight share (staging, payload): the flight as seen from
rocket telemetry, each step placed once and persisted, and the loop that sends the orders."""
