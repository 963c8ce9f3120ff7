-- Conversion rate by country and device: share of sessions with a completed payment.
-- Sessions with no event or payment tied to a user are "(anonymous)"; a user not
-- (yet) in silver.users is "(unknown user)".
SELECT CASE WHEN user_id IS NULL THEN '(anonymous)' ELSE coalesce(user_country, '(unknown user)') END AS country,
       CASE WHEN user_id IS NULL THEN '(anonymous)' ELSE coalesce(user_device, '(unknown user)') END  AS device,
       count(*)                            AS sessions,
       count(*) FILTER (WHERE is_conversion) AS conversions,
       (100.0 * count(*) FILTER (WHERE is_conversion) / count(*))::DECIMAL(5, 1) AS conversion_pct
FROM gold.user_session_analysis
GROUP BY ALL
ORDER BY sessions DESC, country, device
LIMIT 20
