"""Powertrains and traction batteries (issue 15): beyond the study.

The truck fleet stays stock-driven by type. This subpackage splits each year's new trucks by
powertrain (a cohort keeps its powertrain), follows the traction pack of every battery truck
with a lifetime of its own (replacement packs when a pack dies before its truck), sends retired
packs to second life or recycling, and evaluates the battery materials by chemistry.

Modules (data moves one way): :mod:`.inputs` (workbooks -> arrays), :mod:`.cohorts` (the
fleet's stock and outflow by cohort), :mod:`.shares` (the fleet by powertrain), :mod:`.battery`
(packs, replacements, second life, materials), :mod:`.evaluation` (output variables, value and
savings), :mod:`.uncertainty` (Monte Carlo of the battery inputs on a fixed fleet).
"""
