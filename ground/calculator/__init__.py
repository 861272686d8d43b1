"""The calculator (the read side): every 2 s of mission time, recent data → risks → alerts."""
