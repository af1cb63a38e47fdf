-- The `default` preset (rules/default.yaml) as one SQL query: what a data team would write instead of shnor.
--
-- Input: the view `participants` (the canonical table: year, assessment, subject, grade, school_id, score, mark,
-- journal_mark) and the table `ege_minimums` (year, subject, min_score: src/shnor/data/ege_minimums.csv), both set up
-- by `baselines.py duckdb`. Output: one row per school with the three shares and the status.
--
-- As the preset: the window is the latest two years present; «2» is mark 2, or an ЕГЭ test score below the year's
-- minimum; a high result is mark 4 or 5, or an ЕГЭ score of 81 and above; core = Russian and every maths; a share
-- counts only participants whose outcome is known and is not used when fewer than 10 participants give it;
--   insufficient  fewer than 10 core participants in the window (or none at all);
--   shnor         fail_core ≥ 0.25 and high_core ≤ 0.30 (the clause of earlier lists needs --history: none here);
--   risk          fail_core ≥ 0.15, or fail_other ≥ 0.25;
--   ok            otherwise.
-- The preset's third risk clause (a sign of non-objective marking: journal mismatch, cohort fall or rise) is not
-- here: it needs every participant's score and journal mark, and the data it is compared on has none (marks only).
WITH window_years AS (
    SELECT DISTINCT year FROM participants ORDER BY year DESC LIMIT 2
),
outcomes AS (
    SELECT
        p.school_id,
        p.subject IN ('Русский язык', 'Математика', 'Математика (профильная)', 'Математика (базовая)') AS core,
        CASE
            WHEN p.mark IS NOT NULL THEN p.mark = 2
            WHEN p.assessment = 'ЕГЭ' AND p.subject <> 'Математика (базовая)' THEN p.score < m.min_score
        END AS fail,
        CASE
            WHEN p.mark IS NOT NULL THEN p.mark >= 4
            WHEN p.assessment = 'ЕГЭ' AND p.subject <> 'Математика (базовая)' THEN p.score >= 81
        END AS high
    FROM participants AS p
    LEFT JOIN ege_minimums AS m ON m.year = p.year AND m.subject = p.subject
    WHERE p.year IN (SELECT year FROM window_years)
),
sums AS (
    SELECT
        school_id,
        count(*) FILTER (WHERE core) AS participants_core,
        count(fail) FILTER (WHERE core) AS fail_core_base,
        count(*) FILTER (WHERE core AND fail) AS fail_core_n,
        count(high) FILTER (WHERE core) AS high_core_base,
        count(*) FILTER (WHERE core AND high) AS high_core_n,
        count(fail) FILTER (WHERE NOT core) AS fail_other_base,
        count(*) FILTER (WHERE NOT core AND fail) AS fail_other_n
    FROM outcomes
    GROUP BY school_id
),
shares AS (
    SELECT
        s.school_id,
        coalesce(participants_core, 0) AS participants_core,
        fail_core_base, high_core_base, fail_other_base,
        CASE WHEN fail_core_base > 0 THEN fail_core_n::DOUBLE / fail_core_base END AS fail_core,
        CASE WHEN high_core_base > 0 THEN high_core_n::DOUBLE / high_core_base END AS high_core,
        CASE WHEN fail_other_base > 0 THEN fail_other_n::DOUBLE / fail_other_base END AS fail_other
    FROM (SELECT DISTINCT school_id FROM participants) AS s
    LEFT JOIN sums USING (school_id)
)
SELECT
    school_id,
    fail_core,
    high_core,
    fail_other,
    CASE
        WHEN participants_core < 10 THEN 'insufficient'
        WHEN fail_core_base >= 10 AND fail_core >= 0.25 AND high_core_base >= 10 AND high_core <= 0.30 THEN 'shnor'
        WHEN (fail_core_base >= 10 AND fail_core >= 0.15) OR (fail_other_base >= 10 AND fail_other >= 0.25) THEN 'risk'
        ELSE 'ok'
    END AS status
FROM shares
ORDER BY school_id
