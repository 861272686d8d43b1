"""The physical world and its sensor boards, for laptops and CI.

``firmware_sim.physics`` flies the vehicles (pure, deterministic, advanced by an injected clock);
the boards sample it and speak the serial frame format of :mod:`marsy.protocol.framing` on one
serial port each, so the agents' serial code is the code that flies.
"""
