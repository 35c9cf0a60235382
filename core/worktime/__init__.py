"""Working time: the working-day calendar, deadlines in working time, report periods."""
