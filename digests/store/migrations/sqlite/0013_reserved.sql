-- Number 13 was reserved for another change of issue 11 that needed no migration; kept empty so that the
-- numbers run without a gap (engine.migrations()).
SELECT 1;
