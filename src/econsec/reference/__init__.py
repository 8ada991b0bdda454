"""Reference tables: country groupings, HS concordances, USGS mineral data, UN voting.

Submodules: :mod:`econsec.reference.groups`, :mod:`econsec.reference.hs`,
:mod:`econsec.reference.usgs`, :mod:`econsec.reference.unga`.
"""
