"""Staging: follows the rocket, throttles at Max-Q if the board did not, separates the stages
below 8 % first-stage propellant, once per mission. The machinery it shares with the payload
service (flight view, order store, steps, the order loop) is :mod:`ground.steering`.
"""
