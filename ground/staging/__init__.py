"""Staging: follows the rocket, throttles at Max-Q if the board did not, separates the stages
below 8 % first-stage propellant, once per mission.

Besides staging's own rules, app and process, this package holds what every service that steers
the vehicle by acknowledged orders needs (the payload service uses them too): the view of the
flight (:mod:`.flight`), the order store (:mod:`.store`), the core that places orders once
(:mod:`.steps`) and the bus loop that sends them until answered (:mod:`.steering`).
"""
