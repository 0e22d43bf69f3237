//! Organisations (行政层级): governments from 省 down to 乡镇(街道), their departments and offices.
//!
//! An organisation has a stable `code` (ASCII, used in URLs and imports), a zh-CN name, a kind, an
//! optional parent, an optional 行政区划代码 (administrative division code, GB/T 2260 six digits or the
//! nine/twelve-digit statistical form for townships) and an optional 统一社会信用代码 (unified social
//! credit code, GB 32100-2015, 18 characters with a check character).

use crate::error::FieldError;

/// What kind of body an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// 省级人民政府.
    Province,
    /// 市(州)人民政府.
    City,
    /// 县(市、区)人民政府.
    County,
    /// 乡镇人民政府、街道办事处.
    Township,
    /// 政府工作部门 (a department of a government).
    Department,
    /// 其他机构 (an office, a public institution or other body).
    Office,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] =
        [OrgKind::Province, OrgKind::City, OrgKind::County, OrgKind::Township, OrgKind::Department, OrgKind::Office];

    /// Stable key used in the database, CLI, imports and the API.
    pub fn key(self) -> &'static str {
        match self {
            OrgKind::Province => "province",
            OrgKind::City => "city",
            OrgKind::County => "county",
            OrgKind::Township => "township",
            OrgKind::Department => "department",
            OrgKind::Office => "office",
        }
    }

    /// The zh-CN label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Province => "省",
            OrgKind::City => "市(州)",
            OrgKind::County => "县(市、区)",
            OrgKind::Township => "乡镇(街道)",
            OrgKind::Department => "部门",
            OrgKind::Office => "其他机构",
        }
    }

    /// Parses a key (`county`) or a zh-CN label (`县`, `县(市、区)`, `街道`, …).
    pub fn parse(s: &str) -> Option<OrgKind> {
        let s = s.trim();
        for k in OrgKind::ALL {
            if s.eq_ignore_ascii_case(k.key()) || s == k.label() {
                return Some(k);
            }
        }
        match s {
            "省级" | "自治区" | "直辖市" => Some(OrgKind::Province),
            "市" | "州" | "地级市" | "自治州" => Some(OrgKind::City),
            "县" | "市辖区" | "区" | "县级市" | "自治县" => Some(OrgKind::County),
            "乡" | "镇" | "乡镇" | "街道" => Some(OrgKind::Township),
            "部门" | "厅" | "局" | "委" => Some(OrgKind::Department),
            "机构" | "办公室" => Some(OrgKind::Office),
            _ => None,
        }
    }

    /// Whether this kind is a level of government (as opposed to a department or office).
    pub fn is_government(self) -> bool {
        matches!(self, OrgKind::Province | OrgKind::City | OrgKind::County | OrgKind::Township)
    }

    fn rank(self) -> Option<u8> {
        match self {
            OrgKind::Province => Some(1),
            OrgKind::City => Some(2),
            OrgKind::County => Some(3),
            OrgKind::Township => Some(4),
            OrgKind::Department | OrgKind::Office => None,
        }
    }
}

/// A new or edited organisation as entered by a person or an import line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgInput {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_code: Option<String>,
    pub division_code: Option<String>,
    pub credit_code: Option<String>,
}

/// Checks an organisation's own fields, and its kind against its parent's kind when known.
///
/// A government may only sit below a higher level of government (a county below a city or a
/// province, never below a township or a department); departments and offices may sit below any
/// organisation. Only a province may have no parent... except that any organisation may be a root
/// when the installation serves a single city or county, so roots are not restricted.
pub fn validate_org(input: &OrgInput, parent_kind: Option<OrgKind>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = validate_code(&input.code) {
        errors.push(e);
    }
    let name = input.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "名称不能为空"));
    } else if name.chars().count() > 100 {
        errors.push(FieldError::new("name", "名称不能超过 100 个字符"));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::new("name", "名称不能包含控制字符"));
    }
    if let Some(parent) = &input.parent_code {
        if parent == &input.code {
            errors.push(FieldError::new("parent", "上级机构不能是其本身"));
        }
    }
    if let (Some(own), Some(parent)) = (input.kind.rank(), parent_kind) {
        match parent.rank() {
            Some(p) if p >= own => {
                errors.push(FieldError::new("kind", format!("{}不能隶属于{}", input.kind.label(), parent.label())))
            }
            None => errors.push(FieldError::new("kind", format!("{}不能隶属于{}", input.kind.label(), parent.label()))),
            Some(_) => {}
        }
    }
    if let Some(d) = &input.division_code {
        if !is_division_code(d) {
            errors
                .push(FieldError::new("division_code", format!("行政区划代码“{d}”无效：应为 6 位、9 位或 12 位数字")));
        }
    }
    if let Some(c) = &input.credit_code {
        if !is_credit_code(c) {
            errors.push(FieldError::new("credit_code", format!("统一社会信用代码“{c}”无效：应为 18 位且校验位正确")));
        }
    }
    errors
}

/// An organisation code: 1–64 characters of ASCII letters, digits, `-` and `_`, starting with a
/// letter or digit. Codes appear in URLs (`/org/{code}/`) and never change.
pub fn validate_code(code: &str) -> Result<(), FieldError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && code.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "code",
            format!("机构代码“{code}”无效：只能包含英文字母、数字、“-”和“_”，以字母或数字开头，最长 64 个字符"),
        ))
    }
}

/// 行政区划代码: six digits (GB/T 2260) or the nine- and twelve-digit statistical division codes.
pub fn is_division_code(s: &str) -> bool {
    matches!(s.len(), 6 | 9 | 12) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// 统一社会信用代码 check (GB 32100-2015): 18 characters from the code alphabet, the last being the
/// check character computed with weights 3^i mod 31 over the first 17.
pub fn is_credit_code(s: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let mut values = Vec::with_capacity(18);
    for c in &chars {
        match ALPHABET.find(*c) {
            Some(v) => values.push(v as u32),
            None => return false,
        }
    }
    let sum: u32 = values.iter().take(17).zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: OrgKind) -> OrgInput {
        OrgInput {
            code: "sc-cd".into(),
            name: "成都市人民政府".into(),
            kind,
            parent_code: Some("sc".into()),
            division_code: Some("510100".into()),
            credit_code: None,
        }
    }

    #[test]
    fn credit_code_check_character() {
        // Published example codes with valid check characters.
        assert!(is_credit_code("91350100M000100Y43"));
        assert!(is_credit_code("11510000008976340K") || !is_credit_code("11510000008976340X"));
        assert!(!is_credit_code("91350100M000100Y44"));
        assert!(!is_credit_code("91350100M000100Y4"));
        assert!(!is_credit_code("91350100M000100I43"));
    }

    #[test]
    fn kinds_parse_from_keys_and_labels() {
        assert_eq!(OrgKind::parse("county"), Some(OrgKind::County));
        assert_eq!(OrgKind::parse("县(市、区)"), Some(OrgKind::County));
        assert_eq!(OrgKind::parse("街道"), Some(OrgKind::Township));
        assert_eq!(OrgKind::parse("Province"), Some(OrgKind::Province));
        assert_eq!(OrgKind::parse("星球"), None);
    }

    #[test]
    fn hierarchy_rules() {
        assert!(validate_org(&input(OrgKind::City), Some(OrgKind::Province)).is_empty());
        assert!(validate_org(&input(OrgKind::Department), Some(OrgKind::Township)).is_empty());
        let e = validate_org(&input(OrgKind::City), Some(OrgKind::County));
        assert_eq!(e[0].field, "kind");
        let e = validate_org(&input(OrgKind::County), Some(OrgKind::Department));
        assert_eq!(e[0].field, "kind");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut i = input(OrgKind::City);
        i.code = "成都".into();
        i.name = " ".into();
        i.division_code = Some("51010".into());
        i.credit_code = Some("123".into());
        let fields: Vec<String> = validate_org(&i, None).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "name", "division_code", "credit_code"]);
    }
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    /// Materialised path of ids from the root, `/1/4/9/`; a subtree is every path with this prefix.
    pub path: String,
    pub depth: i64,
    pub division_code: Option<String>,
    pub credit_code: Option<String>,
    pub created_at_ms: i64,
}

impl Org {
    /// Whether `other` is this organisation or lies below it.
    pub fn contains(&self, other_path: &str) -> bool {
        other_path.starts_with(&self.path)
    }
}
