"""Small MCS-shaped world tables for minerals and rerouting tests."""

from __future__ import annotations

from pathlib import Path

# Gallium: kg, one series, a published world total (MCS 2024 shape).
GALLIUM = (
    "\ufeffSource,Country,Type,Prod_kg_2022,Prod_kg_est_2023,Prod_notes,Cap_kg_2023,Cap_notes\n"
    "MCS2024,United States,Primary production,0,0,,0,\n"
    "MCS2024,Chinae,Primary production,600000,600000,estimated,1000000,\n"
    'MCS2024,"Korea, Republic ofe",Primary production,2000,2000,,16000,\n'
    "MCS2024,Brazil,Primary production,100000,500000,,500000,\n"
    "MCS2024,World total (rounded),Primary production,700000,1100000,,,\n"
    ",,,,,,,\n"
)
# Copper: a mine and a refinery series, W for the United States.
COPPER = (
    "Source,Country,Type,Prod_kt_2022,Prod_kt_est_2023,Prod_notes,Reserves_kt,Reserves_notes\n"
    'MCS2024,United States,"Mine production, recoverable copper content",W,W,,50000,\n'
    'MCS2024,Chile,"Mine production, recoverable copper content",5330,5000,,190000,\n'
    'MCS2024,Peru,"Mine production, recoverable copper content",2450,2600,,120000,\n'
    'MCS2024,Other countries,"Mine production, recoverable copper content",1000,2400,,90000,\n'
    'MCS2024,World total (rounded),"Mine production, recoverable copper content",8800,10000,,'
    "450000,\n"
    'MCS2024,China,"Refinery production, copper",11100,12000,,,\n'
    'MCS2024,Chile,"Refinery production, copper",2150,2000,,,\n'
    'MCS2024,World total (rounded),"Refinery production, copper",14000,16000,,,\n'
)
# Platinum-group metals: the world total is its own Type; no reserves total.
PGM = (
    "Source,Country,Type,Prod_kg_2022,Prod_kg_est_2023,Prod_notes\n"
    "MCS2024,South Africa,Mine production: Platinum,140000,120000,\n"
    "MCS2024,Russia,Mine production: Platinum,20000,30000,\n"
    "MCS2024,World total (rounded),World mine production: Platinum,190000,180000,\n"
    "MCS2024,Russia,Mine production: Palladium,90000,92000,\n"
    "MCS2024,South Africa,Mine production: Palladium,80000,71000,\n"
)
# Boron: each country its own Type, a total without a figure (shares from the listed rows).
BORON = (
    "Source,Country,Type,Prod_kt_2022,Prod_kt_est_2023,Prod_notes\n"
    "MCS2024,Turkey,refined borates,2000,3000,\n"
    "MCS2024,Chile,ulexite,500,1000,\n"
    "MCS2024,World total (rounded),boron total all types,NA,NA,\n"
)


def write_world(folder: Path, edition: int = 2024) -> Path:
    """Write the tables above as ``mcs<edition>-<code>_world.csv`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for code, text in (("galli", GALLIUM), ("coppe", COPPER), ("plati", PGM), ("boron", BORON)):
        (folder / f"mcs{edition}-{code}_world.csv").write_text(text, encoding="utf-8")
    return folder
