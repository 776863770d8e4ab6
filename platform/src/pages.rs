//! What the operators' pages share: the bar at the top with the pages and the logout button.

/// The navigation bar (a logout is a POST: a link could be followed by a prefetch).
pub const NAV: &str = "<nav style=\"display:flex;gap:1.5em;align-items:center;border-bottom:1px solid #ccc;\
     padding-bottom:.5em;margin-bottom:1em\"><a href=\"/fleet\">自助终端 Kiosks</a>\
     <a href=\"/kpi\">三办指标 KPIs</a><form method=\"post\" action=\"/logout\" style=\"margin-left:auto\">\
     <button type=\"submit\">退出登录 Log out</button></form></nav>\n";
